"""The README is tested against the code: every ``cxm …`` line of its code blocks runs on a
2,000-customer demo company (built once per test session) and must succeed. Lines that
need a server or an SMTP relay are listed in :data:`SKIPPED`, each with its reason; the
files the examples name (``answers.csv``, ``rules.yaml`` …) are made here first. The
settings table of the README is the one :mod:`cxm.settings_doc` generates from the code.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cxm.settings_doc import README, readme_with_table
from tests.channel_sinks import HttpSink, SmtpSink, delivery_report
from tests.demo_db import demo_copy

#: README lines not run here, and why (each must still be in the README).
SKIPPED = {
    "cxm --lang zh-CN …": "a pattern, not a command",
    "cxm serve --port 8000": "starts a server (benchmarks/cli.py times its start)",
    "cxm serve --production --host 127.0.0.1 --port 8000": (
        "starts a server (tests/staff/test_production_serve.py)"
    ),
    "cxm worker --concurrency 2": "runs until stopped (tests/test_jobs.py runs workers)",
}
#: Lines that read standard input, and what they are given.
STDIN = {
    "cxm users create alice --role admin": "correct-horse-42\ncorrect-horse-42\n",
    "cxm users create bob --role lead": "correct-horse-43\ncorrect-horse-43\n",
    "cxm users create carol --role agent --scope team --team 华北服务一组": (
        "correct-horse-44\ncorrect-horse-44\n"
    ),
    "cxm security reset-password alice": "correct-horse-45\ncorrect-horse-45\n",
    "cxm privacy erase C000099": "y\n",
    "cxm privacy set-number C000042 --kind id_card": "110101199003077897\n",
    "cxm privacy find-number --kind id_card": "110101199003077897\n",
}
#: Lines that need what the line before them made (a user, a backup file, a project in a
#: phase, a case at a version): each group runs in this order, in one test.
SEQUENCES: dict[str, list[str]] = {
    "users": [
        "cxm users create alice --role admin",
        "cxm users token alice",
        "cxm security totp-setup alice",
        "cxm security reset-password alice",
        "cxm security logins --user alice",
        "cxm users create bob --role lead",
        "cxm security deactivate bob",
    ],
    "backup": ["cxm backup --out cxm-backup.db", "cxm restore cxm-backup.db --yes"],
    "waves": [
        "cxm waves create 2026-Q4 --questionnaire ccsi --opens 2026-10-01 --closes 2026-10-31"
        " --stratum segment:value --quota-each 300",
        "cxm waves invitations 2026-Q4 --out links.csv",
        "cxm waves send 2026-Q4",
        "cxm waves remind 2026-Q4 --min-days 3",
        "cxm waves rates 2026-Q4",
        "cxm responses export 2026-Q4 --format sav --out answers.sav",
        "cxm waves send 2026-Q4 --channel sms",
    ],
    "privacy": [
        "cxm privacy set-number C000042 --kind id_card",
        "cxm privacy find-number --kind id_card",
    ],
    "projects": [
        "cxm projects create 接听提速复核 --team 华北服务一组 --standard PS-ANSWER-20S"
        " --baseline 2024-10-01..2025-09-29 --after 2025-10-30..2026-09-30",
        "cxm projects phase 接听提速复核 measure",
        "cxm projects close 接听提速复核",
    ],
    # Case 1 at versions 1, 2, 3: a new company whose first case this is.
    "cases": [
        'cxm cases create C000001 --subject "送货晚了两周" --emotion angry --fault indifference',
        "cxm cases list --status new --status in_progress",
        "cxm cases show 1",
        "cxm cases act 1 acknowledge --version 1",
        'cxm cases assign 1 --version 2 --to agent02 --reason "invoice question"',
        'cxm cases resolve 1 --version 3 --apology "对不起" --compensation 50'
        " --emotion-out happy --as agent02",
    ],
}
#: Settings a group needs (the README's settings table names them).
GROUP_ENV = {"privacy": {"CXM_DATA_KEY": "cmVhZG1lLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmchISE="}}
#: Groups run on a new company (migrated, empty) holding just what these set-up lines make.
FRESH = {
    "cases": [
        ("cxm import customers one.csv", None),
        ("cxm users create agent02 --role agent", "correct-horse-46\ncorrect-horse-46\n"),
    ]
}
#: Lines that send through a channel: run against a local SMTP relay and a local HTTP
#: gateway (tests/channel_sinks.py), and what must arrive there.
SENDS = {
    "cxm waves send 2026-Q4": "mail",
    "cxm waves remind 2026-Q4 --min-days 3": None,
    "cxm waves send 2026-Q4 --channel sms": None,
    'cxm channels send wecom --to group --text "NPS report ready"': "http",
}
IN_SEQUENCE = {c for group in SEQUENCES.values() for c in group}


def readme_commands(text: str) -> list[str]:
    """The ``cxm`` lines of the README's code blocks: continuation lines joined, comments
    dropped."""
    commands = []
    for block in re.findall(r"```(?:bash|sh)?\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line.startswith("cxm ") or line == "cxm":
                commands.append(re.sub(r"\s+", " ", line))
    return commands


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def _inputs(folder: Path) -> None:
    """The files the README's examples name, small and valid."""
    rng = np.random.default_rng(7)
    from cxm.analytics.pls import load_template
    from cxm.analytics.pls.simulate import simulate

    answers = simulate(load_template("ecsi"), 400, seed=1)
    for i in (1, 2, 3):
        answers[f"Q{i}"] = rng.integers(1, 6, len(answers))
    answers["SAT"] = rng.integers(1, 6, len(answers))
    answers["REC"] = rng.integers(0, 11, len(answers))
    answers["region"] = rng.choice(["north", "south", "east"], len(answers))
    answers.to_csv(folder / "answers.csv", index=False)
    (folder / "my_model.txt").write_text(
        "Image =~ IMAG1 + IMAG2 + IMAG3\n"
        "Quality =~ PERQ1 + PERQ2 + PERQ3\n"
        "Satisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
        "Satisfaction ~ Image + Quality\n",
        encoding="utf-8",
    )
    customers = "客户编号,姓名,邮箱,地区\nN0001,张三,zhang@example.cn,华东\nN0002,李四,,华北\n"
    (folder / "customers.csv").write_text(customers, encoding="utf-8")
    (folder / "big.csv").write_text(customers, encoding="utf-8")
    pd.DataFrame(
        {
            "订单编号": ["NO1", "NO2"],
            "客户编号": ["C000001", "C000002"],  # demo customers: lines run in any order
            "购买日期": ["2026-03-01", "2026-03-02"],
            "产品": ["茶叶", "茶具"],
            "金额": [1234.5, 999.0],
            "成本": [800, 600],
        }
    ).to_excel(folder / "purchases.xlsx", index=False)
    (folder / "contacts.csv").write_text(
        "客户编号,时间,渠道,环节,员工编号,员工姓名,团队\n"
        "C000001,2026-03-01 10:00,门店,售前,E1,王五,一组\n",
        encoding="utf-8",
    )
    template = Path(__file__).parents[1] / "src/cxm/surveys/templates/ccsi.yaml"
    text = template.read_text(encoding="utf-8")
    (folder / "questionnaire.yaml").write_text(
        re.sub(r"(?m)^code:.*$", "code: store_visit", text, count=1), encoding="utf-8"
    )
    (folder / "rules.yaml").write_text(
        "segments:\n"
        "  - name: east\n"
        "    conditions: [{field: region, op: eq, value: 华东}]\n"
        "default: rest\n",
        encoding="utf-8",
    )
    (folder / "limesurvey.csv").write_text(_limesurvey(template), encoding="utf-8")
    (folder / "case_rules.yaml").write_text(
        "rules:\n  - {name: detractor, when: {any: [{question: REC, at_most: 6}]}}\n",
        encoding="utf-8",
    )
    (folder / "complaints.csv").write_text(
        "工单编号,客户编号,受理时间,类型,主题,情绪\n"
        "T-1,C000001,2026-03-02 10:00,投诉,送货慢,愤怒\n",
        encoding="utf-8",
    )
    # The organisation's files: a branch under the demo's NORTH region, a team in it, one
    # employee, and a customer it serves.
    (folder / "units.csv").write_text(
        "code,name,kind,parent\nNORTH-T,Test branch,branch,NORTH\n", encoding="utf-8"
    )
    (folder / "teams.csv").write_text("team,unit,parent,lead\n测试组,NORTH-T,,\n", encoding="utf-8")
    pd.DataFrame(
        {
            "external_id": ["T1"],
            "name": ["Test Person"],
            "team": ["测试组"],
            "unit": [""],
            "job": ["agent"],
            "hired_on": ["2024-01-01"],
            "left_on": [""],
            "staff_user": [""],
        }
    ).to_excel(folder / "staff.xlsx", index=False)
    (folder / "serving.csv").write_text(
        "customer,team,employee,starts_on,ends_on\nN0001,测试组,T1,2024-01-01,\n",
        encoding="utf-8",
    )
    _real_exports(folder)
    _operations_files(folder)
    _standards_files(folder)
    _text_files(folder, answers)


DATA = Path(__file__).parent / "data"


def _real_exports(folder: Path) -> None:
    """Exports of other tools: the preset fixtures (real headers), an ERP file with its
    mapping, a legacy response file with missing codes and an SPSS file with labels. Their
    customers are in ``exports_customers.csv``, imported before any line runs."""

    import pyreadstat

    # The presets' real headers (tests/data/presets/SOURCES.md) with a few rows under them.
    uci = (DATA / "presets/uci-online-retail.csv").read_text(encoding="utf-8").strip()
    (folder / "Online Retail.csv").write_text(
        uci + "\n536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,"
        "17850,United Kingdom\nC536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom\n",
        encoding="utf-8",
    )
    header = (DATA / "presets/tmall.csv").read_text(encoding="utf-8").strip().split(",")
    rows = [
        {"订单编号": "1001", "买家会员名": "tb_张三", "买家实际支付金额": "￥1,234.50",
         "订单状态": "交易成功", "订单创建时间": "2024年3月5日 10:15", "宝贝标题": "保温杯",
         "宝贝总数量": "2"},
        {"订单编号": "1002", "买家会员名": "tb_张三", "买家实际支付金额": "88.00",
         "订单状态": "交易关闭", "订单创建时间": "2024年3月6日", "宝贝标题": "茶叶",
         "宝贝总数量": "1"},
    ]  # fmt: skip
    pd.DataFrame(rows, columns=header).to_csv(
        folder / "ExportOrderList.csv", index=False, encoding="gbk"
    )
    (folder / "erp.csv").write_text(
        "Beleg;Kunde;Datum;Artikel;Menge;Einzelpreis;Land\n"
        "R1;K-1;05.03.2024;Kaffee;2;1.234,50;DE\n"
        "R1;K-1;05.03.2024;Tee;3;0,99;DE\n"
        "R2;K-2;45356;Kakao;1;12,5;AT\n",
        encoding="utf-8",
    )
    (folder / "map.yaml").write_text(
        "columns:\n  Beleg: order_id\n  Kunde: customer_id\n  Datum: date\n"
        "  Artikel: product\n  Menge: quantity\n  Einzelpreis: unit_price\n"
        "delimiter: ';'\n",
        encoding="utf-8",
    )
    # Two records of one person (same phone) in two systems, for `customers merge`.
    (folder / "exports_customers.csv").write_text(
        "external_id,name,phone,region\n"
        "K-1,Kunde Eins,,\nK-2,Kunde Zwei,,\n"
        "CRM-7,张三,13800138000,华东\nSHOP-1,张三,+86 138 0013 8000,\n"
        "tb_张三,张三,,\n17850,,,\n14527,,,\n",
        encoding="utf-8",
    )
    (folder / "svc.yaml").write_text(
        "code: svc\ntitle: {en: Service, zh-CN: 服务}\npages:\n  - questions:\n"
        "      - {code: speed, type: satisfaction5, text: {en: Speed, zh-CN: 速度}}\n"
        "      - {code: staff, type: satisfaction5, text: {en: Staff, zh-CN: 员工}}\n",
        encoding="utf-8",
    )
    (folder / "legacy.csv").write_text(
        "customer_external_id,completed_at,speed,staff\n"
        "C000001,2026-03-01 10:00,4,-99\nC000002,2026-03-02 11:00,99,5\n",
        encoding="utf-8",
    )
    frame = pd.DataFrame({"region": [1.0] * 20 + [2.0] * 20, "SAT": [5.0, 4.0, 2.0, -99.0] * 10})
    pyreadstat.write_sav(
        frame,
        str(folder / "answers.sav"),
        variable_value_labels={"region": {1.0: "North", 2.0: "South"}},
    )


def _operations_files(folder: Path) -> None:
    """A journey (the shipped default, as a company would start from it), consent
    statements and two delivery reports."""
    from openpyxl import Workbook

    journeys = Path(__file__).parents[1] / "src/cxm/journey/journeys"
    default = next(p for p in sorted(journeys.iterdir()) if p.stem == "default")
    (folder / "my-journey.yaml").write_text(default.read_text(encoding="utf-8"), encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["customer", "channel", "purpose", "granted", "date", "source"])
    ws.append(["C000042", "sms", "survey", "yes", "2026-01-05", "app"])
    ws.append(["C000043", "email", "marketing", "no", "2026-02-01", "call centre"])
    wb.save(folder / "consent.xlsx")
    for i, rcpt in enumerate(("gone@example.test", "left@example.test"), start=1):
        (folder / f"bounce{i}.eml").write_bytes(delivery_report(f"<readme-{i}@cxm.example>", rcpt))


def _standards_files(folder: Path) -> None:
    """Defects per stage, a weekly p/XmR series, standards, measured waits, shopping
    visits (the demo's MS-GREET standard) and a cost curve per value tier."""
    rng = np.random.default_rng(11)
    pd.DataFrame(
        {
            "stage": ["pre_sale", "sale", "delivery", "after_sale"] * 3,
            "D": rng.integers(0, 40, 12),
            "O": rng.integers(4_000, 6_000, 12),
        }
    ).to_csv(folder / "defects.csv", index=False)
    orders = rng.integers(80, 120, 30)
    pd.DataFrame(
        {
            "week": pd.date_range("2026-01-05", periods=30, freq="W-MON").strftime("%Y-%m-%d"),
            "orders": orders,
            "late": rng.binomial(orders, 0.08),
            "wait": rng.normal(45.0, 6.0, 30).round(1),
        }
    ).to_csv(folder / "weekly.csv", index=False)
    # A company's standards file is all its standards: the demo's, and one more.
    from cxm.demo.standards_step import DEMO_STANDARDS

    (folder / "standards.yaml").write_text(
        DEMO_STANDARDS.rstrip()
        + "\n  - {code: PS-CALLBACK-2H, name: 两小时内回电, stage: pre_sale, kind: procedure,"
        "\n     owner: 呼叫中心经理, unit: 回电, source: touchpoints,"
        "\n     rule: callback_hours <= 2, target: 0.9}\n",
        encoding="utf-8",
    )
    (folder / "waits.csv").write_text(
        "external_id,wait_seconds\nT0000001,12\nT0000002,75\nT0000003,18\n", encoding="utf-8"
    )
    (folder / "visits.csv").write_text(
        "visited_at,stage,location,team,shopper,MS-GREET\n"
        "2026-03-01,sale,上海一店,上海分公司交付组,王芳,yes\n"
        "2026-03-02,sale,上海一店,上海分公司交付组,王芳,no\n",
        encoding="utf-8",
    )
    rows = ["segment,service_level,cost_per_customer_year,expected_score"]
    for seg, scale in (("key", 4), ("other", 1)):
        rows += [f"{seg},basic,{5 * scale},60", f"{seg},standard,{20 * scale},72"]
        rows += [f"{seg},premium,{60 * scale},85"]
    (folder / "cost_curve.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _text_files(folder: Path, answers: pd.DataFrame) -> None:
    """Free text beside the answers (with segment, wave, detractor, churn and value
    columns), labelled sentiment (held-out reviews), staff-coded faults, case texts, and
    the faults model trained from them."""
    rng = np.random.default_rng(5)
    said = pd.read_csv(DATA / "service_comments_labelled.tsv", sep="\t")["text"]
    answers["improve"] = rng.choice(said.to_numpy(), len(answers))
    answers["id"] = [f"C{i + 1:06d}" for i in range(len(answers))]
    answers["seg"] = rng.choice(["key", "other"], len(answers))
    answers["wave"] = rng.choice(["2026-Q1", "2026-Q2"], len(answers))
    answers["det"] = answers["REC"] <= 6
    answers["left"] = rng.random(len(answers)) < 0.2
    answers["clv"] = rng.gamma(2.0, 500.0, len(answers)).round(2)
    answers.to_csv(folder / "answers.csv", index=False)
    answers[["id", "seg", "improve"]].to_excel(folder / "answers.xlsx", index=False)
    reviews = pd.read_csv(DATA / "sentiment_zh_heldout.tsv", sep="\t")
    reviews = reviews.groupby("label").head(100)
    reviews.rename(columns={"text": "t", "label": "y"})[["t", "y"]].to_csv(
        folder / "labelled.csv", index=False
    )
    coded = [{"t": f"第{i}次被转到别的部门，没人负责", "faults": "runaround"} for i in range(20)]
    coded += [{"t": f"第{i}次来，安装很顺利", "faults": ""} for i in range(30)]
    pd.DataFrame(coded).to_csv(folder / "coded.csv", index=False)
    pd.DataFrame({"text": ["电话转了好几个部门都说不归他们管", "师傅准时上门，很满意"]}).to_csv(
        folder / "cases.csv", index=False
    )


def _limesurvey(template: Path) -> str:
    """A LimeSurvey export answering every required question of the CCSI questionnaire."""
    from cxm.surveys.loader import load_definition
    from cxm.surveys.schema import QuestionType

    columns, values = [], []
    for q in load_definition(template).questions():
        if not q.required or q.show_if is not None:
            continue
        columns.append(q.code)
        if q.choices:
            values.append(q.choices[0].code)
        elif q.type == QuestionType.NPS:
            values.append("9")
        elif q.type == QuestionType.TEXT:
            values.append("好")
        else:
            values.append("4")
    head = "id,submitdate,lastpage,startlanguage,seed," + ",".join(columns)
    rows = [f"{i},2026-10-0{i} 10:00:00,1,zh-Hans,{i}," + ",".join(values) for i in (1, 2)]
    return "\n".join([head, *rows]) + "\n"


@pytest.fixture(scope="module")
def readme_folder(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a copy of the demo company and the files the examples read."""
    return make_readme_folder(demo_db, tmp_path_factory.mktemp("readme"))


def make_readme_folder(demo_db: Path, folder: Path) -> Path:
    """Fill ``folder`` with a copy of the demo company and the files the examples read."""
    demo_copy(demo_db, folder)
    _inputs(folder)
    # Made first, so that the lines run in any order (and split over workers): the
    # customers serving.csv and the exports name, the legacy survey, the organisation
    # (units before teams before employees before assignments), the staff-trained faults
    # model and the saved churn-risk model. Each README line run again changes nothing.
    for command in (
        "cxm import customers customers.csv",
        "cxm import customers exports_customers.csv",
        "cxm surveys load svc.yaml",
        "cxm org import units units.csv",
        "cxm org import teams teams.csv",
        "cxm org import employees staff.xlsx",
        "cxm org import assignments serving.csv",
        "cxm text train coded.csv --text t --label faults --task labels --out faults.skops",
        "cxm churn risk --save risk.skops",
    ):
        code, output = _run(command, folder)
        assert code == 0, f"{command}: {output}"
    return folder


def _run(
    command: str,
    folder: Path,
    *,
    lang: str = "en",
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> tuple[int, str]:
    """Run one README line (in this process unless it reads standard input: ``stdin``, else
    :data:`STDIN`'s) in ``lang``, with ``env`` added; a ``> FILE`` redirect writes the
    output to that file inside ``folder``."""
    target = None
    if " > " in command:
        command, target = (part.strip() for part in command.split(" > ", 1))
    argv = shlex.split(command)[1:]
    stdin = STDIN.get(command) if stdin is None else stdin
    env = {**(env or {}), "CXM_DATABASE_URL": f"sqlite:///{folder / 'cxm.db'}", "CXM_LANG": lang}
    if stdin is not None:
        done = subprocess.run(
            [sys.executable, "-c", "from cxm.cli import main; main()", *argv],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=folder,
            env={**os.environ, **env},
        )
        return done.returncode, done.stdout + done.stderr
    from cxm.cli import main

    out = io.StringIO()
    saved = {k: os.environ.get(k) for k in env}
    cwd = Path.cwd()
    os.environ.update(env)
    os.chdir(folder)
    code: object = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                main(argv)
            except SystemExit as exc:
                code = exc.code
    finally:
        os.chdir(cwd)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if target is not None:
        (folder / target).parent.mkdir(parents=True, exist_ok=True)
        (folder / target).write_text(out.getvalue(), encoding="utf-8")
    return (0 if code is None else int(code) if isinstance(code, int) else 1), out.getvalue()


def test_the_readme_has_commands_and_every_skipped_one_is_in_it() -> None:
    assert len(COMMANDS) > 30
    for named in (SKIPPED, STDIN, IN_SEQUENCE, SENDS):
        assert set(named) <= set(COMMANDS), set(named) - set(COMMANDS)
    assert not set(SKIPPED) & (IN_SEQUENCE | set(SENDS))


@pytest.fixture(scope="module")
def channels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Any]]:
    """A local SMTP relay and a local HTTP gateway (SMS and WeCom robot), with the settings
    that point CXM at them."""
    with (
        SmtpSink(tmp_path_factory.mktemp("smtp")) as relay,
        HttpSink(lambda req: (200, {"errcode": 0, "errmsg": "ok"})) as gateway,
    ):
        env = {
            "CXM_SMTP_HOST": "127.0.0.1",
            "CXM_SMTP_PORT": str(relay.port),
            "CXM_SMS_URL": gateway.url + "/sms",
            "CXM_WECOM_WEBHOOK_URL": gateway.url + "/wecom",
        }
        yield env, (relay, gateway)


@pytest.mark.slow
@pytest.mark.parametrize(
    "command", [c for c in COMMANDS if c not in SKIPPED and c not in IN_SEQUENCE]
)
def test_every_readme_command_runs(
    command: str, readme_folder: Path, channels: tuple[dict[str, str], Any]
) -> None:
    _run_and_deliver(command, readme_folder, channels)


@pytest.mark.slow
@pytest.mark.parametrize("group", sorted(SEQUENCES))
def test_readme_lines_that_build_on_each_other_run_in_order(
    group: str,
    demo_db: Path,
    sqlite_template: Path,
    tmp_path: Path,
    channels: tuple[dict[str, str], Any],
) -> None:
    """Each group line after line, on its own copy of the demo company (or a new company):
    what the other lines did, on whichever worker, cannot get in its way."""
    folder = tmp_path
    if group in FRESH:
        shutil.copyfile(sqlite_template, folder / "cxm.db")
        (folder / "one.csv").write_text("external_id,name\nC000001,张三\n", encoding="utf-8")
        for command, stdin in FRESH[group]:
            code, output = _run(command, folder, stdin=stdin)
            assert code == 0, f"set-up `{command}` failed ({code}):\n{output[-3000:]}"
    else:
        demo_copy(demo_db, folder)
    for command in SEQUENCES[group]:
        _run_and_deliver(command, folder, channels, GROUP_ENV.get(group, {}))


def _run_and_deliver(
    command: str,
    folder: Path,
    channels: tuple[dict[str, str], Any],
    env: dict[str, str] | None = None,
) -> None:
    """Run one README line with the local relay and gateway set; it must succeed, and a
    line that sends (:data:`SENDS`) must deliver there."""
    settings, (relay, gateway) = channels
    mails, calls = len(relay.inbox.messages), len(gateway.requests)
    code, output = _run(command, folder, env={**settings, **(env or {})})
    assert code == 0, f"`{command}` failed ({code}):\n{output[-3000:]}"
    if SENDS.get(command) == "mail":
        assert len(relay.inbox.messages) > mails, output
    if SENDS.get(command) == "http":
        assert len(gateway.requests) > calls, output


def test_the_settings_table_is_generated_from_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    assert text == readme_with_table(text), (
        "README's settings table differs from cxm.config.Settings: "
        "run `python -m cxm.settings_doc --write`"
    )
