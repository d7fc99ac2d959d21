"""A customers file with Chinese text imports the same in every common encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.customers.importing import import_customers
from cxm.customers.models import Customer
from cxm.errors import InputError
from cxm.store import Store

TEXT = "客户编号,姓名,地区\nC001,张三,华东\nC002,欧阳娜娜,华北\nC003,𠀀先生,西南\n"


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le-bom"])
def test_every_common_encoding_imports_the_same_names(
    store: Store, tmp_path: Path, codec: str
) -> None:
    path = tmp_path / "customers.csv"
    if codec == "utf-16-le-bom":
        path.write_bytes(b"\xff\xfe" + TEXT.encode("utf-16-le"))
    else:
        path.write_bytes(TEXT.encode(codec))
    assert import_customers(store, path).inserted == 3
    with store.session() as s:
        names = dict(s.execute(select(Customer.external_id, Customer.name)).all())
    assert names == {"C001": "张三", "C002": "欧阳娜娜", "C003": "𠀀先生"}


def test_a_gbk_file_from_excel_imports(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(TEXT.replace("𠀀先生", "周先生").encode("gbk").replace(b"\n", b"\r\n"))
    assert import_customers(store, path).inserted == 3


def test_a_file_in_two_encodings_is_refused_naming_the_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes("客户编号,姓名\nC001,张三\n".encode() + "C002,李四\n".encode("gbk"))
    with pytest.raises(InputError, match="line 3"):
        import_customers(store, path)
    with store.session() as s:
        assert s.scalars(select(Customer)).all() == []
