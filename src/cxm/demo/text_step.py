"""The demo's texts: complaint logs written in the customers' own words, and account
managers' visit reports, generated from the demo's own faults and emotions with noise.

Each complaint touchpoint of the demo carries a note naming its fault (see
``COMPLAINT_NOTES``); here the customer's complaint is written again as a customer would
write it — from templates that avoid the lexicon's words (a test keeps the shared word
n-grams under 20 %), so that finding the faults is not circular — with an emotion drawn
from the customer's hidden satisfaction. Two in five complaints are coded by staff (their
planted labels), as the case form would; the rest are left for the model to find.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from cxm.customers.codes import JourneyStage
from cxm.customers.models import Touchpoint
from cxm.demo.context import DemoContext
from cxm.demo.vocabulary import COMPETITORS, COMPLAINT_NOTES, END, PRODUCTS

__all__ = [
    "CODED_SHARE",
    "EMOTION_TEMPLATES",
    "FAULT_OF_NOTE",
    "FAULT_TEMPLATES",
    "complaint_texts",
    "write_demo_texts",
]

#: Share of complaints coded by staff.
CODED_SHARE = 0.4

#: The demo's complaint notes (by index) → the fault they plant; None for a process or
#: product problem that is no service fault.
FAULT_OF_NOTE: tuple[str | None, ...] = (
    "indifference",
    "runaround",
    "coldness",
    "condescension",
    "robotic_service",
    "rule_hiding",
    None,
    None,
)

FAULT_TEMPLATES: dict[str | None, tuple[str, ...]] = {
    "indifference": (
        "{product}报修{days}天了，到现在一个电话都没等到",
        "留了三次言，始终没有任何人联系过我",
        "反映的{product}问题提交上去就再也没有消息",
        "在柜台站了半天，员工各忙各的，当我不存在",
    ),
    "runaround": (
        "门店叫我问热线，热线叫我回门店，{product}的事就这么来回折腾",
        "先打给售后，售后说要联系安装队，安装队又说归销售管",
        "一个{product}维修跑了{days}个地方，每个地方都说去别处问",
    ),
    "coldness": (
        "问了两句店员就板着脸，一副不想搭话的样子",
        "接电话的那位语气特别冲，听着像在训人",
        "全程没有一句好话，说话硬邦邦的",
    ),
    "condescension": (
        "店员上下打量我，说这款{product}我可能买不起",
        "我问得细一点，对方就嘲笑我什么都不懂",
        "对方说话阴阳怪气，好像我是来占便宜的",
    ),
    "robotic_service": (
        "不管我问什么，对面都是那几句标准答案，根本不看具体情况",
        "客服就会念稿子，我说的{product}问题一个字都没回应",
        "线上回复全是自动生成的那一套，绕了一圈等于没说",
    ),
    "rule_hiding": (
        "明明是{product}本身的问题，却说按流程必须先付检测费",
        "超出{days}天就一概不管，条款写着呢，一点余地不给",
        "员工只会说上面定的就这样，我也没权限",
    ),
    None: (
        "{product}送来晚了{days}天，安装约的时间也改了两次",
        "{product}用了不到一个月就出毛病了，希望尽快处理",
        "{product}的配件一直缺货，等了{days}天",
    ),
}

EMOTION_TEMPLATES: dict[str, tuple[str, ...]] = {
    "angry": ("我现在真的是一肚子火！", "这种做法实在让人忍不了！", "简直欺人太甚！"),
    "disappointed": (
        "本来挺信任你们的，现在心凉了。",
        "跟以前比差太远了。",
        "有点伤心，本以为会不一样。",
    ),
    "afraid": ("这东西家里老人孩子天天用，我很怕出事。", "万一漏电怎么办，心里一直发慌。"),
}

_FILLERS = ("", "", "唉，", "说实话，", "另外，", "补充一下：", "")
_ENDINGS = ("", "。", "！", "!!", "…", "。。", "😡", "🙁", "")
_EN_TEMPLATES: dict[str | None, str] = {
    "indifference": "I reported the {product} fault {days} days ago and nobody ever got in touch.",
    "runaround": "The store sent me to the hotline and the hotline sent me back to the store.",
    "coldness": "The clerk barely looked at me and answered in one word.",
    "condescension": "The salesman said I probably could not afford this {product}.",
    "robotic_service": "Every answer was the same canned sentence no matter what I asked.",
    "rule_hiding": "They said the procedure says I must pay for the inspection first.",
    None: "The {product} arrived {days} days late.",
}
_PRODUCTS = tuple(p for p in PRODUCTS if PRODUCTS[p][2])


def _noise(rng: np.random.Generator, text: str) -> str:
    if rng.random() < 0.15 and len(text) > 8:  # a dropped character, as typed on a phone
        k = int(rng.integers(1, len(text) - 1))
        text = text[:k] + text[k + 1 :]
    if rng.random() < 0.08:  # some customers type in traditional characters
        text = text.translate(
            str.maketrans("说话务门这问题没时间电后员", "說話務門這問題沒時間電後員")
        )
    return text


def complaint_texts(
    rng: np.random.Generator, note_index: np.ndarray, satisfaction: np.ndarray
) -> list[tuple[str, frozenset[str]]]:
    """One complaint text per complaint: (text, planted labels = fault and emotion)."""
    out: list[tuple[str, frozenset[str]]] = []
    for note, s in zip(note_index.tolist(), satisfaction.tolist(), strict=True):
        fault = FAULT_OF_NOTE[int(note)] if 0 <= int(note) < len(FAULT_OF_NOTE) else None
        product = str(rng.choice(_PRODUCTS))
        days = int(rng.integers(2, 15))
        if fault is None:
            emotion = "afraid" if rng.random() < 0.3 else ("disappointed" if s > -0.5 else "angry")
        else:
            emotion = "angry" if s < -0.3 or rng.random() < 0.3 else "disappointed"
        if rng.random() < 0.08:
            text = _EN_TEMPLATES[fault].format(product="appliance", days=days)
            labels = {emotion} if fault is None else {fault, emotion}
            out.append((text, frozenset(labels)))
            continue
        body = str(rng.choice(FAULT_TEMPLATES[fault])).format(product=product, days=days)
        feel = str(rng.choice(EMOTION_TEMPLATES[emotion]))
        parts = [str(rng.choice(_FILLERS)) + body + str(rng.choice(_ENDINGS)), feel]
        if rng.random() < 0.3:
            parts.reverse()
        text = _noise(rng, "，".join(parts) if rng.random() < 0.5 else "".join(parts))
        out.append((text, frozenset({fault, emotion} if fault else {emotion})))
    return out


_VISIT = (
    "客户对{product}整体满意，提到{competitor}最近在搞以旧换新，价格比我们低一些",
    "回访时客户希望我们推出{product}的延长保修套餐",
    "客户说{competitor}送货更快，建议我们增加晚间配送",
    "客户很满意上次的安装，准备再买一台{product}",
    "客户建议增加会员积分抵现的功能",
)


def write_demo_texts(ctx: DemoContext) -> None:
    """Complaint logs for the demo's complaint touchpoints, and visit reports for a sample
    of customers, written as :class:`~cxm.text.models.TextEntry` rows."""
    from cxm.text.models import TextEntry, TextSource

    rng = ctx.rng("texts")
    index_of = {int(db): i for i, db in enumerate(ctx.customer_ids.tolist())}
    notes = {n: i for i, n in enumerate(COMPLAINT_NOTES)}
    with ctx.store.session() as s:
        rows = s.execute(
            select(Touchpoint.id, Touchpoint.customer_id, Touchpoint.occurred_at, Touchpoint.note)
            .where(Touchpoint.stage == JourneyStage.COMPLAINT, Touchpoint.note.is_not(None))
            .order_by(Touchpoint.id)
        ).all()
        known = [r for r in rows if r.note in notes and int(r.customer_id) in index_of]
        sat = np.array([ctx.truth.satisfaction[index_of[int(r.customer_id)]] for r in known])
        texts = complaint_texts(rng, np.array([notes[r.note] for r in known], dtype=int), sat)
        coded = rng.random(len(texts)) < CODED_SHARE
        entries: list[Any] = [
            TextEntry(
                source=TextSource.COMPLAINT_LOG,
                customer_id=int(r.customer_id),
                touchpoint_id=int(r.id),
                occurred_at=r.occurred_at,
                text=text,
                staff_labels=sorted(labels) if c else None,
                coded_by="demo" if c else None,
            )
            for r, (text, labels), c in zip(known, texts, coded, strict=True)
        ]
        visited = rng.choice(
            len(ctx.customer_ids), size=min(400, len(ctx.customer_ids)), replace=False
        )
        entries.extend(
            TextEntry(
                source=TextSource.VISIT_REPORT,
                customer_id=int(ctx.customer_ids[i]),
                occurred_at=datetime.combine(_visit_day(rng), time(15), UTC),
                text=str(rng.choice(_VISIT)).format(
                    product=str(rng.choice(_PRODUCTS)), competitor=str(rng.choice(COMPETITORS))
                ),
            )
            for i in visited.tolist()
        )
        s.add_all(entries)
    ctx.results["texts"] = {
        "complaints": len(texts),
        "coded": int(coded.sum()),
        "visits": len(visited),
    }


def _visit_day(rng: np.random.Generator) -> date:
    return END - timedelta(days=int(rng.integers(0, 180)))
