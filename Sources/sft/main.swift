// The `sft` executable: make sure OpenBLAS sees the right CPU, build a Session, run the loop.
import SFTShell
SFTMain.run()
