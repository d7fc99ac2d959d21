"""A page of texts is masked with the names that occur in it and its writers' names, read
through the name index, not with every name of the customer file (SQLite and PostgreSQL)."""

from __future__ import annotations

from cxm.customers.models import Customer
from cxm.store import Store
from cxm.text.pii import PiiMasker
from cxm.text.sources import customer_names, names_in

NAMES = [
    "王小明",
    "李四",
    "欧阳娜娜",
    "John Smith",
    "Ann",
    "买买提·艾力",
    "O'Brien",
    "张三",
    "赵六",
]


def test_the_names_in_a_page_of_texts_and_its_writers_are_found(store: Store) -> None:
    with store.session() as s:
        people = [Customer(external_id=f"C{i}", name=name) for i, name in enumerate(NAMES)]
        s.add_all(people)
        s.flush()
        texts = [
            "王小明说李四没来，欧阳娜娜等了很久",
            "Spoke to JOHN SMITH's wife and ann about 买买提·艾力's order for o'brien",
        ]
        found = names_in(s, texts, customer_ids=[people[7].id])
        assert found == sorted(NAMES[:8])  # 赵六 is neither in the texts nor a writer
        assert names_in(s, ["送货太慢"]) == []
        everyone = PiiMasker(customer_names(s))
        assert [PiiMasker(found).mask(t) for t in texts] == [everyone.mask(t) for t in texts]
