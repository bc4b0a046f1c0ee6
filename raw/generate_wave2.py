"""Seeded generator of the SYNTHETIC wave 2 (2021) of the CCG survey, as a WJX (问卷星) export.

There is no second wave of the CCG survey: this file is invented, to test reading a
platform export (survey/platforms.py), instrument version 1.1.0 (multi-select
option 6 "Online exchanges and events", one reworded question) and change between
waves.  It is written as a WJX numeric-code export ("按分数下载", option scores set to
the instrument's codes): metadata columns 序号, 提交答卷时间, 所用时间, 来源, 来源详情,
来自IP, then 问卷语言版本 and the questions as ``N、题干`` (N = position among the
instrument's non-paradata questions), the multi-select as ``16(选项)`` 0/1 columns,
-2 for skipped by skip logic, -3 for not shown after a break-off, ``(跳过)`` and
``(空)`` in text columns.  The bytes are GB18030 (older WJX downloads; recent ones
are UTF-8 with BOM), CRLF line ends.

Valid rows hit exact counts for the nine indicators (see raw/README.md, "Wave 2");
invalid rows each fail exactly one quality rule of the instrument.  It imports
nothing from the ``survey`` package; it reads the instrument YAML for the wording.

Usage::

    python raw/generate_wave2.py                 # rewrites raw/ccg-2020-wave2-wjx.csv
    python raw/generate_wave2.py --out x.csv --seed 7

The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
INSTRUMENT = HERE.parent / "instruments" / "ccg-2020.yaml"
DEFAULT_OUT = HERE / "ccg-2020-wave2-wjx.csv"
DEFAULT_SEED = 20210406
ENCODING = "gb18030"

N_VALID = 1100
# indicator: (column, agreeing codes, agreeing count k, non-substantive count) among valid rows.
# Wave 1 -> wave 2 by design: relations_affect 83.85 -> 89.95, no_idea 20.83 -> 15.82,
# participated 44.03 -> 50.00, support 96.74 -> 94.71; the others about as in wave 1.
TARGETS = {
    "solidarity": ("solidarity_q", (4, 5), 1063, 20),
    "nongov_necessary": ("nongov_q", (4, 5), 1055, 18),
    "support": ("support_q", (4, 5), 1021, 22),
    "no_idea": ("awareness_q", (4,), 174, 0),
    "relations_affect": ("relations_q", (4, 5), 984, 6),
    "media_more": ("media_more_q", (4, 5), 1036, 10),
    "positive_role": ("positive_role_q", (4, 5), 921, 3),
    "participated": ("participated_q", (1,), 550, 0),
    "plan_future": ("plan_future_q", (1,), 747, 2),
}
N_INCOMPLETE = 30      # 27 break-offs (-3 from some question on), 3 participants with no option ticked
N_UNDER_18 = 10
N_ATTENTION = 28
N_SPEEDER = 18
N_DUPLICATE = 6
OUT_OF_RANGE = [("solidarity_q", 6), ("support_q", 0), ("relations_q", 7), ("age", 120),
                ("education", 8), ("sector", 0), ("how_participated_6", 2), ("plan_future_q", 3)]

FIELD_START = np.datetime64("2021-04-06T00:00:00")
FIELD_DAYS = 41  # 2021-04-06 .. 2021-05-16, Beijing time
MEDIAN_SECONDS = 400.0
OPTIONS = [1, 2, 3, 4, 6, 5]  # how_participated, in the instrument's order
SOURCES = [("微信", "直接访问"), ("手机提交", "直接访问"), ("链接", "N/A"), ("微信", "微信群"), ("QQ", "N/A")]
PLACES = {1: ["北京-北京", "上海-上海", "广东-广州", "浙江-杭州", "湖北-武汉", "江苏-南京", "四川-成都"],
          2: ["美国"], 3: ["未知"]}

ACCOUNTS = {
    1: ["Our sister-city group held three online exchanges this year instead of visits.",
        "We shipped oxygen concentrators to a hospital in {cn} in early 2021.",
        "Vaccine cooperation should not be politicised; the virus does not care about borders.",
        "I joined a webinar where doctors from {cn} and {us} compared notes on long COVID.",
        "Students from both countries ran a virtual cultural festival, 200 people joined.",
        "Relations between the governments got worse, which made our donations harder to clear.",
        "Thank you to everyone who kept helping after the first wave.",
        "Nothing to add."],
    2: ["今年我们和{us}的友好城市开了三次线上交流会。",
        "2021年初我们向{us}的社区捐赠了一批口罩和防护服。",
        "疫苗合作不应该被政治化，病毒没有国界。",
        "我参加了{cn}和{us}医生的线上研讨会，交流新冠后遗症的治疗经验。",
        "两国学生办了线上文化节，有两百多人参加。",
        "中美关系变差之后，物资清关更难了。",
        "感谢所有在疫情中互相帮助的人。",
        "无。"],
}
CITIES = {"cn": ["武汉", "上海", "北京", "杭州", "Wuhan", "Shanghai"], "us": ["纽约", "西雅图", "Boston", "Chicago"]}
OTHER_TEXT = {1: ["Translated guidelines", "Online fundraiser", "Wrote to nurses"], 2: ["翻译防疫指南", "线上募捐", "协调物流"]}


def layout(spec: dict) -> tuple[list[str], list[tuple[str, str]]]:
    """WJX header and (canonical column, header) pairs, numbered over non-paradata questions."""
    lang_text = next(q["text"]["zh"] for q in spec["questions"] if q.get("role") == "language")
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", lang_text]
    pairs = []
    questions = [q for q in spec["questions"] if q["type"] != "paradata"]
    for n, q in enumerate(questions, start=1):
        if q["type"] == "multi":
            pairs += [(f"{q['id']}_{o['code']}", f"{n}({o['label']['zh']})") for o in q["options"]]
        else:
            pairs.append((q["id"], f"{n}、{q['text']['zh']}"))
    return header + [h for _, h in pairs], pairs


def pick(weights: np.ndarray, k: int, rng: np.random.Generator, among: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask with exactly ``k`` True, drawn without replacement with the weights."""
    idx = np.flatnonzero(np.ones(len(weights), bool) if among is None else among)
    mask = np.zeros(len(weights), bool)
    if k > 0:
        mask[rng.choice(idx, size=k, replace=False, p=weights[idx] / weights[idx].sum())] = True
    return mask


def respondents(n: int, rng: np.random.Generator, counts: dict[str, tuple[int, int]], ages=(18, 80)) -> dict[str, np.ndarray]:
    """Complete answers of n respondents with exact counts per indicator (k, non-substantive)."""
    country = rng.choice([1, 2, 3], size=n, p=[0.58, 0.38, 0.04])
    lang = np.where(rng.random(n) < np.select([country == 1, country == 2], [0.88, 0.10], 0.45), 2, 1)
    if ages[0] >= 18:
        age = np.minimum(18 + np.round(rng.gamma(2.0, 9.0, n)), ages[1]).astype(int)
    else:
        age = rng.integers(ages[0], ages[1] + 1, n)
    sector = rng.choice(np.arange(1, 9), size=n, p=[0.11, 0.25, 0.25, 0.08, 0.08, 0.05, 0.10, 0.08])
    ties = rng.choice([1, 2, 3], size=n, p=[0.27, 0.26, 0.47])
    z = rng.normal(0, 1, n)
    has_ties = (ties != 3).astype(float)
    us = (country == 2).astype(float)
    out = {"lang": lang, "country": country, "age": age, "gender": rng.choice([1, 2, 3, 9], n, p=[0.48, 0.49, 0.01, 0.02]),
           "education": rng.choice([1, 2, 3, 4, 5, 9], n, p=[0.05, 0.08, 0.38, 0.33, 0.15, 0.01]),
           "sector": sector, "ties": ties, "attention_q": np.full(n, 4)}
    dk_w = np.exp(-0.6 * z + 0.5 * (1 - has_ties))
    part = pick(np.exp(0.6 * z + 0.8 * has_ties + 0.5 * np.isin(sector, [2, 4, 5])), counts["participated"][0], rng)
    out["participated_q"] = np.where(part, 1, 2)
    weights = {"solidarity": z, "nongov_necessary": z, "support": 1.2 * z - 0.3 * us,
               "relations_affect": 0.3 * z - 0.4 * us, "media_more": 0.8 * z, "positive_role": 0.9 * z + 0.4 * part}
    for name, w in weights.items():
        col, _codes, _k, _dk = TARGETS[name]
        k, n_dk = counts[name]
        dk = pick(dk_w, n_dk, rng)
        agree = pick(np.exp(w), k, rng, among=~dk)
        strong = rng.random(n) < 1 / (1 + np.exp(-(0.2 + 0.8 * z)))
        out[col] = np.select([dk, agree & strong, agree], [9, 5, 4], rng.choice([1, 2, 3], n, p=[0.15, 0.35, 0.5]))
    no_idea = pick(np.exp(-2.0 * part + 0.7 * (1 - has_ties) - 0.4 * z), counts["no_idea"][0], rng)
    aware = np.where(part, rng.choice([1, 2, 3], n, p=[0.3, 0.45, 0.25]), rng.choice([1, 2, 3], n, p=[0.08, 0.37, 0.55]))
    out["awareness_q"] = np.where(no_idea, 4, aware)
    k, n_dk = counts["plan_future"]
    pna = pick(dk_w, n_dk, rng)
    plan = pick(np.exp(2.0 * part + 0.6 * z), k, rng, among=~pna)
    out["plan_future_q"] = np.select([pna, plan], [9, 1], 2)
    rates = np.array([0.22, 0.12, 0.15, 0.45, 0.26, 0.06])  # options 1, 2, 3, 4, 6, 5
    tick = (rng.random((n, 6)) < rates).astype(int)
    none = tick.sum(axis=1) == 0
    tick[none, rng.choice(6, int(none.sum()), p=rates / rates.sum())] = 1
    for j, code in enumerate(OPTIONS):
        out[f"how_participated_{code}"] = np.where(part, tick[:, j], -2)
    other = np.empty(n, dtype=object)
    other[:] = "(跳过)"
    for i in np.flatnonzero(part & (tick[:, 5] == 1)):
        texts = OTHER_TEXT[int(lang[i])]
        other[i] = texts[int(rng.integers(len(texts)))] if rng.random() < 0.9 else "(空)"
    out["how_participated_other"] = other
    account = np.empty(n, dtype=object)
    account[:] = "(空)"
    for i in np.flatnonzero(rng.random(n) < 0.16 + 0.1 * part):
        language = int(lang[i]) if rng.random() < 0.9 else 3 - int(lang[i])
        template = ACCOUNTS[language][int(rng.integers(len(ACCOUNTS[language])))]
        account[i] = template.format(cn=CITIES["cn"][int(rng.integers(6))], us=CITIES["us"][int(rng.integers(4))])
    out["account"] = account
    return out


def random_counts(n: int, rng: np.random.Generator) -> dict[str, tuple[int, int]]:
    """Counts for invalid rows: binomial around the valid rates."""
    out = {}
    for name, (_col, _codes, k, dk) in TARGETS.items():
        n_dk = int(rng.binomial(n, dk / N_VALID))
        out[name] = (int(rng.binomial(n - n_dk, k / (N_VALID - dk))), n_dk)
    return out


def concat(blocks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}


def ip_addresses(country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unique synthetic private-range IPv4 with WJX's location suffix."""
    out, seen = np.empty(len(country), dtype=object), set()
    for i, c in enumerate(country):
        while True:
            a, b, d = (int(x) for x in rng.integers(0, 256, 3))
            ip = {1: f"10.{a}.{b}.{max(d, 1)}", 2: f"172.{16 + a % 16}.{b}.{max(d, 1)}"}.get(int(c), f"100.{64 + a % 64}.{b}.{max(d, 1)}")
            if ip not in seen:
                seen.add(ip)
                places = PLACES[int(c)]
                out[i] = f"{ip}({places[int(rng.integers(len(places)))]})"
                break
    return out


def generate(seed: int = DEFAULT_SEED) -> tuple[list[list[str]], dict]:
    """Rows of the export (header first) and a summary of what was built."""
    spec = yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))
    header, pairs = layout(spec)
    answer_cols = [c for c, _ in pairs]
    rng = np.random.default_rng(seed)
    valid = respondents(N_VALID, rng, {k: (v[2], v[3]) for k, v in TARGETS.items()})
    blocks, reasons = [valid], ["valid"] * N_VALID

    def invalid(n, reason, ages=(18, 80)):
        blocks.append(respondents(n, rng, random_counts(n, rng), ages))
        reasons.extend([reason] * n)
        return blocks[-1]

    breakoff = invalid(N_INCOMPLETE, "incomplete")
    order = [q["id"] for q in spec["questions"] if q["type"] != "paradata"]
    stop_at = order.index("plan_future_q")
    for i in range(N_INCOMPLETE - 3):
        stop = int(rng.integers(0, stop_at + 1))
        for qid in order[stop:]:
            for col in [c for c in answer_cols if c == qid or (qid == "how_participated" and c.startswith(qid + "_"))]:
                breakoff[col][i] = "(空)" if col in ("how_participated_other", "account") else -3
    for i in range(N_INCOMPLETE - 3, N_INCOMPLETE):  # participants who ticked nothing
        breakoff["participated_q"][i] = 1
        for code in OPTIONS:
            breakoff[f"how_participated_{code}"][i] = 0
        breakoff["how_participated_other"][i] = "(跳过)"

    oor = invalid(len(OUT_OF_RANGE), "out_of_range")
    for i, (col, bad) in enumerate(OUT_OF_RANGE):
        if col.startswith("how_participated_"):
            oor["participated_q"][i] = 1
            for code in OPTIONS:
                oor[f"how_participated_{code}"][i] = int(code == 4)
            oor["how_participated_other"][i] = "(跳过)"
        oor[col][i] = bad
    invalid(N_UNDER_18, "out_of_scope", ages=(14, 17))
    attention = invalid(N_ATTENTION, "attention_failed")
    attention["attention_q"] = rng.choice([5, 3, 2, 1, 9], N_ATTENTION, p=[0.45, 0.25, 0.1, 0.05, 0.15])
    speeders = invalid(N_SPEEDER, "speeder")
    speeders["account"][:] = "(空)"
    rows = concat(blocks)
    n = len(reasons)
    reasons = np.array(reasons, dtype=object)

    # Paradata: submit times in the field period, durations, addresses, sources.
    days = np.arange(FIELD_DAYS)
    day_w = np.exp(-days / 6.0) + 0.5 * np.exp(-(((days - 20) / 2.0) ** 2)) + 0.08
    hours = np.arange(24)
    hour_w = np.where((hours >= 8) & (hours <= 23), 1.0, 0.1)
    secs = np.round(rng.lognormal(np.log(MEDIAN_SECONDS), 0.35, n)).astype(int)
    secs = np.maximum(secs, 210)
    idle = rng.random(n) < 0.01  # left the tab open
    secs[idle] = rng.integers(1800, 10800, int(idle.sum()))
    secs[reasons == "speeder"] = rng.integers(25, 61, N_SPEEDER)
    start = (FIELD_START + (rng.choice(days, n, p=day_w / day_w.sum()) * 86400
                            + rng.choice(hours, n, p=hour_w / hour_w.sum()) * 3600
                            + rng.integers(0, 3600, n)).astype("timedelta64[s]"))
    submit = start + secs.astype("timedelta64[s]")
    ips = ip_addresses(rows["country"], rng)
    nat = rng.choice(N_VALID, 12, replace=False)  # valid pairs behind one address, different answers
    ips[nat[6:]] = ips[nat[:6]]
    source = rng.integers(0, len(SOURCES), n)

    # Duplicates: a later resubmission of a valid row (same address and answers).
    originals = rng.choice(np.flatnonzero(submit[:N_VALID] < FIELD_START + np.timedelta64((FIELD_DAYS - 3) * 86400, "s")),
                           N_DUPLICATE, replace=False)
    for key in rows:
        rows[key] = np.concatenate([rows[key], rows[key][originals]])
    dup_secs = np.round(rng.lognormal(np.log(MEDIAN_SECONDS), 0.3, N_DUPLICATE)).astype(int).clip(210, 1500)
    submit = np.concatenate([submit, submit[originals] + rng.integers(120, 2 * 86400, N_DUPLICATE).astype("timedelta64[s]")])
    secs = np.concatenate([secs, dup_secs])
    ips = np.concatenate([ips, ips[originals]])
    source = np.concatenate([source, source[originals]])
    reasons = np.concatenate([reasons, np.array(["duplicate"] * N_DUPLICATE, dtype=object)])

    # WJX numbers records in order of submission.
    table = [header]
    for serial, i in enumerate(np.argsort(submit, kind="stable"), start=1):
        when = str(submit[i].astype("datetime64[s]")).replace("T", " ").replace("-", "/")
        src, detail = SOURCES[int(source[i])]
        record = [str(serial), when, f"{int(secs[i])}秒", src, detail, str(ips[i]), str(int(rows["lang"][i]))]
        record += [str(v) if isinstance(v, str) else str(int(v)) for v in (rows[c][i] for c in answer_cols)]
        table.append(record)
    order_idx = np.argsort(submit, kind="stable")
    summary = {"seed": seed, "n_raw": len(table) - 1,
               "reasons": {r: int((reasons == r).sum()) for r in
                           ["valid", "incomplete", "out_of_range", "out_of_scope", "attention_failed", "speeder", "duplicate"]},
               "reason_by_row": list(reasons[order_idx]),
               "median_seconds": float(np.median(secs[np.isin(reasons, ["valid", "speeder", "duplicate"])])),
               "option_6": int((rows["how_participated_6"][:N_VALID] == 1).sum())}
    return table, summary


def to_bytes(table: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(table)
    return buf.getvalue().encode(ENCODING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the synthetic wave-2 WJX export of the CCG survey.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output CSV (default {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    table, summary = generate(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(to_bytes(table))
    print(f"wrote {args.out}: {summary['n_raw']} rows ({ENCODING}), seed {summary['seed']}, "
          f"median duration {summary['median_seconds']:.0f}s, option 6 ticked by {summary['option_6']} valid rows")
    for name, (col, codes, k, dk) in TARGETS.items():
        print(f"{name:18s} base {N_VALID - dk:5d}  k {k:5d}  {100 * k / (N_VALID - dk):6.2f}%")
    print("rows by reason: " + ", ".join(f"{r}={c}" for r, c in summary["reasons"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
