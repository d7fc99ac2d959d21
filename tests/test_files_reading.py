"""Reading tabular files: every common Chinese encoding, delimiters, XLSX, SPSS, bad files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxm.errors import InputError
from cxm.files import detect_encoding, iter_chunks, read_table
from cxm.files.tables import read_labelled_table

ROWS = "客户编号,姓名,金额\nC001,张三,12.5\nC002,李四,7\n"


@pytest.mark.parametrize(
    ("codec", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
        ("utf-16-be", "utf-16"),
    ],
)
def test_it_reads_chinese_csv_in_every_common_encoding(
    tmp_path: Path, codec: str, detected: str
) -> None:
    path = tmp_path / "customers.csv"
    data = ROWS.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    assert detect_encoding(path) == detected
    frame = read_table(path)
    assert list(frame.columns) == ["客户编号", "姓名", "金额"]
    assert frame["姓名"].tolist() == ["张三", "李四"]
    assert frame["金额"].tolist() == [12.5, 7.0]


def test_it_reads_rare_characters_that_only_gb18030_has(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_bytes("name\n𠀀先生\n".encode("gb18030"))
    assert detect_encoding(path) == "gb18030"
    assert read_table(path)["name"].tolist() == ["𠀀先生"]


def test_it_names_the_line_where_a_file_switches_encoding(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("id,name\n1,张三\n2,李四\n".encode() + "3,王五\n".encode("gbk"))
    expected = r"line 2 is UTF-8 but data row 3 \(line 4, byte 28\) is not"
    with pytest.raises(InputError, match=expected):
        read_table(path)


def test_it_refuses_bytes_that_no_encoding_reads(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(b"id,name\n1,ok\n2,\x80\xff\xfe\x80\xff\n")
    with pytest.raises(InputError, match="line 3"):
        detect_encoding(path)


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_it_sniffs_the_delimiter(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"a{sep}b\n1{sep}x y\n", encoding="utf-8")
    assert read_table(path).to_dict("list") == {"a": [1], "b": ["x y"]}


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match="empty"):
        read_table(path)


def test_it_refuses_an_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "data.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match="unsupported file type"):
        read_table(path)


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_table(tmp_path / "nope.csv")


def test_it_refuses_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    with pytest.raises(InputError, match="Excel workbook"):
        read_table(path)


def test_it_refuses_a_header_that_names_a_column_twice(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("id,name,name\n1,a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="'name' twice"):
        read_table(path)


def test_it_reads_a_workbook_and_a_named_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "book.xlsx"
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "first"
    ws.append(["客户编号", "金额"])
    ws.append(["C001", 12.5])
    second = book.create_sheet("second")
    second.append([None])
    second.append(["x", "y"])
    second.append([1, 2])
    book.save(path)
    assert read_table(path).to_dict("list") == {"客户编号": ["C001"], "金额": [12.5]}
    assert read_table(path, sheet="second").to_dict("list") == {"x": [1], "y": [2]}
    with pytest.raises(InputError, match="no sheet 'third'"):
        read_table(path, sheet="third")


def test_it_keeps_spss_value_labels(tmp_path: Path) -> None:
    import pyreadstat

    path = tmp_path / "survey.sav"
    frame = pd.DataFrame({"q1": [1.0, 5.0, 4.0], "region": ["华东", "华北", "华东"]})
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=["总体满意度", "地区"],
        variable_value_labels={"q1": {1.0: "很不满意", 5.0: "很满意"}},
    )
    out = read_table(path)
    assert out["q1"].tolist() == [1.0, 5.0, 4.0]
    labelled = read_labelled_table(path)
    assert labelled.frame.equals(out)
    assert labelled.value_labels["q1"][5.0] == "很满意"
    assert labelled.column_labels["q1"] == "总体满意度"
    with iter_chunks(path, 2) as chunks:
        frames = list(chunks)
    assert [f.index.tolist() for f in frames] == [[1, 2], [3]]
    assert frames[0]["q1"].tolist() == ["1", "5"]


def test_chunks_carry_row_numbers_and_text_cells(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id,n\n" + "".join(f"{i:03d},{i}\n" for i in range(1, 8)), encoding="utf-8")
    with iter_chunks(path, 3) as chunks:
        assert chunks.columns == ["id", "n"]
        frames = list(chunks)
        assert chunks.bytes_read == chunks.total_bytes
    assert [f.index.tolist() for f in frames] == [[1, 2, 3], [4, 5, 6], [7]]
    assert frames[0]["id"].tolist() == ["001", "002", "003"]


def test_workbook_chunks_are_text_and_skip_blank_rows(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    path = tmp_path / "book.xlsx"
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["id", "when", "n"])
    ws.append(["A", datetime(2024, 1, 5), 3])
    ws.append([None, None, None])
    ws.append(["B", datetime(2024, 1, 6, 9, 30), 2.5])
    book.save(path)
    with iter_chunks(path, 10) as chunks:
        (frame,) = list(chunks)
    assert frame.index.tolist() == [1, 3]
    assert frame.to_numpy().tolist() == [
        ["A", "2024-01-05", "3"],
        ["B", "2024-01-06 09:30:00", "2.5"],
    ]
