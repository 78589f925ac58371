#!/usr/bin/env python3
# Writes sessions/data/qa.xlsx from sessions/data/qa.csv with only the stdlib (zipfile + hand-written XML):
# one sheet, header row 问题/回答, text in sharedStrings.xml (as Excel and Baidu Qianfan exports do), and
# one inline-string cell so both string kinds are exercised. Also writes the corrupt fixture
# Tests/Fixtures/data/bad/truncated.xlsx (the same file cut in half).
import csv, os, zipfile
from xml.sax.saxutils import escape

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "sessions", "data")
rows = list(csv.reader(open(os.path.join(data, "qa.csv"), encoding="utf-8", newline="")))

strings, index = [], {}
def sid(s):
    if s not in index:
        index[s] = len(strings)
        strings.append(s)
    return index[s]

def col(c):
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[c]

sheet_rows = []
for r, row in enumerate(rows, start=1):
    cells = []
    for c, text in enumerate(row):
        ref = f"{col(c)}{r}"
        if r == 2 and c == 1:  # one inline string
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>')
        else:
            cells.append(f'<c r="{ref}" t="s"><v>{sid(text)}</v></c>')
    sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
parts = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '</Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{NS}" xmlns:r="{RNS}"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>',
    "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS}"><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>',
    "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="{NS}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings) + '</sst>',
}

out = os.path.join(data, "qa.xlsx")
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in parts.items():
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # fixed date: reproducible bytes
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, text.encode("utf-8"))

blob = open(out, "rb").read()
bad = os.path.join(here, "..", "Tests", "Fixtures", "data", "bad", "truncated.xlsx")
open(bad, "wb").write(blob[: len(blob) // 2])

# Tests/Fixtures/data/rich.xlsx: the harder cell forms real exports use. Rich-text runs and a phonetic guide
# in shared strings, cells without r= attributes, a gap column, numbers, booleans, a system column, a
# header that is not on row 1's first column, and stored (uncompressed) parts next to deflated ones.
rich_strings = [
    '<si><t>prompt</t></si>',
    '<si><t>response</t></si>',
    '<si><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and plain</t></r></si>',
    '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si>',
    '<si><t>system</t></si>',
    '<si><t>Be brief.</t></si>',
    '<si><t>x &lt; y &amp; "z"</t></si>',
]
rich_rows = [
    '<row r="1"><c r="A1" t="s"><v>4</v></c><c r="C1" t="s"><v>0</v></c><c r="D1" t="s"><v>1</v></c></row>',
    '<row r="2"><c r="C2" t="s"><v>2</v></c><c r="D2" t="s"><v>3</v></c></row>',
    '<row r="4"><c t="s"><v>5</v></c><c/><c t="inlineStr"><is><r><t>inline </t></r><r><t>runs</t></r></is></c><c><v>42</v></c></row>',
    '<row r="5"><c r="C5" t="s"><v>6</v></c><c r="D5" t="b"><v>1</v></c></row>',
    '<row r="6"><c r="C6" t="str"><f>A1</f><v>formula text</v></c><c r="D6" t="s"><v>6</v></c></row>',
]
rich = dict(parts)
rich["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{NS}">'
                                + "".join(rich_strings) + '</sst>')
rich["xl/worksheets/sheet1.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                    f'<worksheet xmlns="{NS}"><sheetData>{"".join(rich_rows)}</sheetData></worksheet>')
with zipfile.ZipFile(os.path.join(here, "..", "Tests", "Fixtures", "data", "rich.xlsx"), "w") as z:
    for k, (name, text) in enumerate(rich.items()):
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED if k % 2 else zipfile.ZIP_DEFLATED
        z.writestr(info, text.encode("utf-8"))
