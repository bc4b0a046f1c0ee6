"""Seeded generator of the SYNTHETIC wave-1 raw file of the CCG 2020 survey.

The CCG report (2020, section III) published nine percentages from 1,776 valid
responses to an online survey; the microdata was never published.  This script
reconstructs a raw export (instrument version 1.0.0, canonical CSV layout) whose
valid rows reproduce every published figure exactly, plus invalid rows that each
fail exactly one quality rule of the instrument.  Everything the report does not
state is an assumption (see raw/README.md).  This is not CCG's data.

It deliberately imports nothing from the ``survey`` package: the file it writes is
the test oracle for that package.

Usage::

    python raw/generate_wave1.py                 # rewrites raw/ccg-2020-wave1.csv
    python raw/generate_wave1.py --out x.csv --seed 7

The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "ccg-2020-wave1.csv"
DEFAULT_SEED = 20200420

COLUMNS = [
    "respondent_id", "start_time", "submit_time", "lang", "ip_address",
    "country", "age", "gender", "education", "sector", "ties",
    "solidarity_q", "nongov_q", "support_q", "attention_q", "awareness_q",
    "relations_q", "media_more_q", "positive_role_q", "participated_q",
    "how_participated_1", "how_participated_2", "how_participated_3",
    "how_participated_4", "how_participated_5", "how_participated_other",
    "plan_future_q", "account",
]
MULTI = [f"how_participated_{c}" for c in range(1, 6)]
# Questions in questionnaire order, as the respondent meets them (for break-offs).
QUESTION_ORDER = [
    ["country"], ["age"], ["gender"], ["education"], ["sector"], ["ties"],
    ["solidarity_q"], ["nongov_q"], ["support_q"], ["attention_q"], ["awareness_q"],
    ["relations_q"], ["media_more_q"], ["positive_role_q"], ["participated_q"],
    MULTI + ["how_participated_other"], ["plan_future_q"], ["account"],
]
MISSING = -1  # blank cell in integer columns

N_VALID = 1776
# Invalid rows per exclusion reason (the instrument's rule order).
N_UNSUBMITTED = 105        # incomplete: not submitted, answers stop at some question
N_REQUIRED_BLANK = 5       # incomplete: submitted, one required question unanswered
N_UNDER_18 = 20            # out_of_scope
N_ATTENTION = 40           # attention_failed
N_SPEEDER = 25             # speeder
N_DUPLICATE = 15           # duplicate
# out_of_range: one impossible value each, all in different columns.
OUT_OF_RANGE = [
    ("age", 150), ("solidarity_q", 7), ("support_q", 0), ("relations_q", 6),
    ("education", 6), ("sector", 12), ("country", 4), ("how_participated_2", 2),
    ("plan_future_q", 3),
]

FIELD_START = np.datetime64("2020-04-20T00:00:00")
FIELD_DAYS = 42  # 2020-04-20 .. 2020-05-31
FIELD_END = FIELD_START + np.timedelta64(FIELD_DAYS * 86400 - 1, "s")
MEDIAN_SECONDS = 420.0

# Published figures: (indicator, source column, agreeing codes, percent, DK code or None).
FIGURES = [
    ("solidarity", "solidarity_q", (4, 5), "98.43", 9),
    ("nongov_necessary", "nongov_q", (4, 5), "97.59", 9),
    ("support", "support_q", (4, 5), "96.74", 9),
    ("no_idea", "awareness_q", (4,), "20.83", None),
    ("relations_affect", "relations_q", (4, 5), "83.85", 9),
    ("media_more", "media_more_q", (4, 5), "95.01", 9),
    ("positive_role", "positive_role_q", (4, 5), "84.44", 9),
    ("participated", "participated_q", (1,), "44.03", None),
    ("plan_future", "plan_future_q", (1,), "66.03", 9),
]


# --------------------------------------------------------------------------- bases

def rounds_to(k: int, m: int, pct: str) -> bool:
    """Whether 100 k / m rounds half up to ``pct`` (a 2-decimal string), exactly."""
    target = Fraction(pct)
    value = Fraction(100 * k, m)
    return Fraction(int(value * 100 + Fraction(1, 2)), 100) == target


def base_for(pct: str, n: int, has_dk: bool) -> tuple[int, int]:
    """(base m, count k): m = n if attainable there, else the largest m < n that is."""
    for m in range(n, 0, -1):
        centre = int(Fraction(pct) * m / 100)
        for k in (centre - 1, centre, centre + 1, centre + 2):
            if 0 <= k <= m and rounds_to(k, m, pct):
                return m, k
        if not has_dk:
            break
    raise ValueError(f"{pct}% is not attainable at n = {n} and the item has no non-substantive code")


def bases() -> dict[str, tuple[int, int, int]]:
    """Indicator -> (base, agreeing count, non-substantive count) among the valid rows."""
    out = {}
    for name, _col, _codes, pct, dk in FIGURES:
        m, k = base_for(pct, N_VALID, dk is not None)
        out[name] = (m, k, N_VALID - m)
    return out


# --------------------------------------------------------------------------- sampling helpers

def pick(weights: np.ndarray, k: int, rng: np.random.Generator, among: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask with exactly ``k`` True, drawn without replacement with the weights."""
    n = len(weights)
    eligible = np.ones(n, bool) if among is None else among
    idx = np.flatnonzero(eligible)
    mask = np.zeros(n, bool)
    if k <= 0:
        return mask
    w = weights[idx] / weights[idx].sum()
    mask[rng.choice(idx, size=k, replace=False, p=w)] = True
    return mask


def categorical(probs: np.ndarray, codes: list[int], rng: np.random.Generator) -> np.ndarray:
    """One draw per row from row-wise probabilities (rows of ``probs`` sum to 1)."""
    probs = np.atleast_2d(probs)
    cum = np.cumsum(probs, axis=1)
    u = rng.random(cum.shape[0])[:, None]
    return np.asarray(codes)[np.minimum((u > cum).sum(axis=1), len(codes) - 1)]


# --------------------------------------------------------------------------- background

def background(n: int, rng: np.random.Generator, adults: bool = True) -> dict[str, np.ndarray]:
    """Background answers and a latent 'warmth to cooperation' score (assumed distributions)."""
    country = rng.choice([1, 2, 3], size=n, p=[0.60, 0.36, 0.04])
    p_zh = np.select([country == 1, country == 2], [0.86, 0.10], 0.45)
    lang = np.where(rng.random(n) < p_zh, 2, 1)
    if adults:
        age = np.minimum(18 + np.round(rng.gamma(2.0, 8.5, n)), 80).astype(int)
    else:
        age = rng.choice([13, 14, 15, 16, 17], size=n, p=[0.05, 0.10, 0.20, 0.30, 0.35])
    gender = rng.choice([1, 2, 3, 9], size=n, p=[0.485, 0.485, 0.01, 0.02])
    education = rng.choice([1, 2, 3, 4, 5, 9], size=n, p=[0.05, 0.08, 0.37, 0.33, 0.16, 0.01])
    young = age <= 24
    sector = np.where(
        young & (rng.random(n) < 0.6), 7,
        rng.choice([1, 2, 3, 4, 5, 6, 7, 8], size=n, p=[0.11, 0.25, 0.25, 0.08, 0.08, 0.05, 0.10, 0.08]),
    )
    education = np.where((sector == 7) & (education == 5), 4, education)
    ties_p = np.where(country[:, None] == 1, [0.22, 0.30, 0.48],
                      np.where(country[:, None] == 2, [0.30, 0.22, 0.48], [0.40, 0.30, 0.30]))
    ties = categorical(ties_p, [1, 2, 3], rng)
    z = rng.normal(0.0, 1.0, n)
    return {"country": country, "lang": lang, "age": age, "gender": gender,
            "education": education, "sector": sector, "ties": ties, "_z": z}


# --------------------------------------------------------------------------- attitudes

def agree_item(weights, dk_weights, k, n_dk, strong_share, rest_p, z, rng):
    """Codes of one agree/support item: exactly n_dk 9s and exactly k of 4/5."""
    n = len(weights)
    dk = pick(dk_weights, n_dk, rng)
    agree = pick(weights, k, rng, among=~dk)
    p_strong = 1 / (1 + np.exp(-(np.log(strong_share / (1 - strong_share)) + 0.8 * z)))
    strong = rng.random(n) < p_strong
    rest = categorical(np.tile(rest_p, (n, 1)), [1, 2, 3], rng)
    return np.select([dk, agree & strong, agree], [9, 5, 4], rest)


def answers(bg: dict[str, np.ndarray], counts: dict[str, tuple[int, int]], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """All attitude and participation answers; ``counts`` gives (k, n_dk) per indicator."""
    z = bg["_z"]
    n = len(z)
    has_ties = (bg["ties"] != 3).astype(float)
    us = (bg["country"] == 2).astype(float)
    china = (bg["country"] == 1).astype(float)
    higher_ed = (bg["education"] >= 4).astype(float)
    low_ed = np.isin(bg["education"], [1, 2]).astype(float)
    dk_w = np.exp(-0.6 * z + 0.5 * (1 - has_ties) + 0.5 * low_ed)
    out: dict[str, np.ndarray] = {}

    out["participated_q"] = np.where(pick(
        np.exp(0.6 * z + 0.8 * (bg["ties"] == 1) + 0.5 * (bg["ties"] == 2)
               + 0.6 * np.isin(bg["sector"], [2, 4, 5]) - 0.3 * (bg["sector"] == 7)),
        counts["participated"][0], rng), 1, 2)
    part = (out["participated_q"] == 1).astype(float)

    items = {
        # indicator: (column, weights, strongly-agree share, spread of 1/2/3 among the rest)
        "solidarity": ("solidarity_q", np.exp(1.0 * z + 0.3 * has_ties), 0.70, [0.25, 0.30, 0.45]),
        "nongov_necessary": ("nongov_q", np.exp(1.0 * z + 0.4 * (bg["sector"] == 5) + 0.2 * higher_ed), 0.60, [0.20, 0.30, 0.50]),
        "support": ("support_q", np.exp(1.2 * z + 0.3 * has_ties - 0.3 * us), 0.65, [0.20, 0.30, 0.50]),
        "relations_affect": ("relations_q", np.exp(0.3 * z - 0.5 * us + 0.3 * higher_ed), 0.45, [0.10, 0.35, 0.55]),
        "media_more": ("media_more_q", np.exp(0.8 * z + 0.2 * china), 0.55, [0.15, 0.30, 0.55]),
        "positive_role": ("positive_role_q", np.exp(0.9 * z - 0.3 * us + 0.4 * part), 0.50, [0.15, 0.35, 0.50]),
    }
    for name, (col, w, strong, rest) in items.items():
        k, n_dk = counts[name]
        out[col] = agree_item(w, dk_w, k, n_dk, strong, rest, z, rng)

    no_idea = pick(np.exp(-2.2 * part + 0.7 * (1 - has_ties) - 0.4 * z - 0.3 * higher_ed), counts["no_idea"][0], rng)
    aware_p = np.where(part[:, None] == 1, [0.30, 0.45, 0.25], [0.07, 0.35, 0.58])
    out["awareness_q"] = np.where(no_idea, 4, categorical(aware_p, [1, 2, 3], rng))

    k, n_dk = counts["plan_future"]
    pna = pick(dk_w, n_dk, rng)
    plan = pick(np.exp(2.0 * part + 0.6 * z + 0.3 * has_ties), k, rng, among=~pna)
    out["plan_future_q"] = np.select([pna, plan], [9, 1], 2)

    out["attention_q"] = np.full(n, 4)
    out.update(how_participated(bg, out["participated_q"] == 1, rng))
    return out


def how_participated(bg, participant, rng) -> dict[str, np.ndarray]:
    """0/1 option columns for participants (blank for the others), at least one ticked."""
    n = len(participant)
    sector = bg["sector"]
    rates = np.column_stack([
        0.30 + 0.20 * (sector == 2),          # 1 supplies
        0.10 + 0.45 * (sector == 4),          # 2 medical and technical
        0.12 + 0.35 * np.isin(sector, [3, 6]),  # 3 publications, research
        np.full(n, 0.55),                     # 4 individual efforts
        np.full(n, 0.07),                     # 5 other
    ])
    ticks = (rng.random((n, 5)) < rates).astype(int)
    none = ticks.sum(axis=1) == 0
    forced = categorical(rates / rates.sum(axis=1, keepdims=True), [0, 1, 2, 3, 4], rng)
    ticks[none, forced[none]] = 1
    ticks[~participant] = MISSING
    return {col: ticks[:, j] for j, col in enumerate(MULTI)}


def random_counts(n: int, rng: np.random.Generator, targets: dict[str, tuple[int, int, int]]) -> dict[str, tuple[int, int]]:
    """Counts for rows that are not valid: binomial around the published rates."""
    out = {}
    for name, (m, k, n_dk) in targets.items():
        dk = int(rng.binomial(n, n_dk / N_VALID))
        out[name] = (int(rng.binomial(n - dk, k / m)), dk)
    return out


# --------------------------------------------------------------------------- open text

EN_FILL = {
    "masks": ["30,000", "5,000", "12,000", "100,000", "2,500", "800", "50,000", "8,000", "1,200"],
    "item": ["N95 respirators", "surgical masks", "protective suits", "goggles", "face shields",
             "test kits", "gloves", "masks", "thermometers"],
    "date": ["2020-03-15", "2020-02-03", "2020-04-02", "2020-01-28", "March 15", "early February",
             "late March", "2020-04-11", "mid-February"],
    "money": ["2 million yuan", "$15,000", "50,000 yuan", "$3,200", "$120,000", "300,000 yuan", "$8,500"],
    "cn_city": ["Wuhan", "Shanghai", "Beijing", "Guangzhou", "Hangzhou", "Nanjing", "Tianjin", "Chengdu", "Shenzhen"],
    "us_city": ["Pittsburgh", "Chicago", "San Francisco", "New York", "Los Angeles", "Philadelphia",
                "St. Louis", "Boston", "Seattle", "Houston"],
    "org": ["our alumni association", "a local church", "our chamber of commerce", "a Rotary club",
            "the Chinese Students and Scholars Association", "our company", "a community group in Queens",
            "my daughter's school", "a hometown association"],
    "n": ["6", "12", "20", "35", "40", "8", "15", "200"],
    "tons": ["3", "15", "2", "7"],
}
ZH_FILL = {
    "masks": ["3万", "5000", "1.2万", "10万", "2500", "800", "5万", "8000"],
    "item": ["N95口罩", "医用外科口罩", "防护服", "护目镜", "面罩", "检测试剂盒", "手套", "口罩", "体温计"],
    "date": ["2020年3月15日", "2月初", "2020-04-02", "1月28日", "3月中旬", "2020年2月3日", "4月上旬"],
    "money": ["200万元", "5万元", "1.5万美元", "30万元", "12万美元", "8000元"],
    "cn_city": ["武汉", "上海", "北京", "广州", "杭州", "南京", "天津", "成都", "深圳"],
    "us_city": ["匹兹堡", "芝加哥", "旧金山", "纽约", "洛杉矶", "费城", "圣路易斯", "波士顿", "西雅图", "休斯敦"],
    "org": ["校友会", "同乡会", "商会", "我们公司", "志愿者团队", "华人社团", "学生学者联合会", "教会朋友"],
    "n": ["6", "12", "20", "35", "40", "8", "15", "200"],
    "tons": ["3", "15", "2", "7"],
}

EN_THEMES = {
    "donations": [
        "In {date} our group shipped {masks} {item} to hospitals in {cn_city}.",
        "{Org} collected {money} and bought {item} for frontline workers.",
        "When the outbreak hit the US, friends in {cn_city} mailed us {masks} masks.",
        "I helped pack boxes of {item} in my garage; we sent {tons} tons in total.",
        "We donated {masks} {item} to a nursing home in {us_city}.",
        "Customs clearance took weeks, but the {item} finally arrived on {date}.",
        "{n} volunteers bought every box of {item} we could find and flew them to {cn_city}.",
    ],
    "medical": [
        "Doctors from {cn_city} held video calls with ICU teams in {us_city} to share treatment experience.",
        "Our lab shared sequencing data and protocols with colleagues across the Pacific.",
        "I translated clinical guidelines from Chinese into English for a hospital in {us_city}.",
        "Researchers on both sides co-authored papers on the virus within weeks.",
        "A webinar on {date} brought together {n} nurses from both countries to talk about infection control.",
        "Scientific cooperation should not stop because of politics; the virus does not care about borders.",
    ],
    "sister_cities": [
        "{cn_city} sent {item} to its sister city {us_city}, which had helped it in February.",
        "Our sister-city committee in {us_city} organised a donation drive for {cn_city}.",
        "Sister cities and sister provinces turned out to be the quickest channel for help.",
        "The friendship between {cn_city} and {us_city} goes back decades, and it showed this spring.",
    ],
    "diaspora": [
        "Chinese students at my university in {us_city} handed out health kits to classmates.",
        "Overseas Chinese in {us_city} raised {money} for Wuhan in January and then for local hospitals in April.",
        "As an international student I was worried about my family at home and about my friends here.",
        "{Org} delivered meals to medical staff in {us_city}.",
        "Many Chinese Americans volunteered as interpreters at testing sites.",
    ],
    "business": [
        "My company used its supply chain in {cn_city} to source {item} for US clinics.",
        "An American firm in {cn_city} kept its factory running to make protective equipment.",
        "We are a small trading company; we sold {item} at cost to hospitals in {us_city}.",
        "Some suppliers sold fake or substandard masks, which hurt trust.",
        "Business partners in both countries checked on each other every week.",
    ],
    "media": [
        "The media on both sides mostly report conflict; I wish they covered stories like ours.",
        "There was a lot of misinformation on social media about where the virus came from.",
        "Our local newspaper in {us_city} ran a story about the donation, and readers were surprised.",
        "Stories of ordinary people helping each other rarely make the news.",
        "I tried to correct rumours in my WeChat groups, with mixed success.",
    ],
    "politics": [
        "Relations between the two governments are at a low point, which makes everything harder.",
        "Politicians blaming each other does not save a single life.",
        "Cooperation between people can continue even when the governments disagree.",
        "Export restrictions slowed down our shipments by several weeks.",
        "I hope the two countries can set aside their differences and fight the virus together.",
    ],
    "racism": [
        "A friend of mine was insulted on the subway in {us_city} because she is Asian.",
        "Calling it the \"Chinese virus\" led to discrimination against Asian Americans.",
        "Some Chinese students were afraid to wear masks outside because of harassment.",
        "Discrimination goes both ways: some foreigners in {cn_city} also had a hard time.",
    ],
    "gratitude": [
        "Thank you to everyone who helped, on both sides of the Pacific.",
        "I will never forget the kindness of strangers who sent us masks.",
        "This experience made me feel that ordinary Chinese and Americans are friends.",
        "We received a handwritten thank-you card from a nurse in {us_city}.",
        "Friendship between peoples is the foundation of relations between countries.",
    ],
    "other": [
        "I mostly stayed at home and followed the news.",
        "Online teaching was exhausting but we managed.",
        "No particular story to share.",
        "I hope the pandemic ends soon so that I can travel again.",
        "My neighbours and I took turns buying groceries for the elderly in our building.",
        "The questionnaire is a bit long.",
        "Nothing to add.",
    ],
}
ZH_THEMES = {
    "donations": [
        "{date}我们往{us_city}的医院寄了{masks}个{item}。",
        "{org}募集了{money}，为一线医护人员采购了{item}。",
        "疫情在美国暴发后，我们把{masks}只口罩寄给了{us_city}的朋友。",
        "我和{n}个志愿者一起打包{item}，前后一共寄出{tons}吨物资。",
        "武汉最困难的时候，美国朋友从{us_city}寄来了{item}。",
        "清关花了好几周，{item}终于在{date}送到。",
    ],
    "medical": [
        "{cn_city}的医生和{us_city}的重症团队开视频会议，分享救治经验。",
        "我们实验室和美国同行共享了测序数据和实验方案。",
        "我帮{us_city}的一家医院把诊疗方案翻译成英文。",
        "中美科研人员在几周内就合作发表了关于病毒的论文。",
        "{date}的线上研讨会有{n}名中美护士参加，交流感染防控经验。",
        "科学合作不应该因为政治而中断，病毒是没有国界的。",
    ],
    "sister_cities": [
        "{cn_city}向友好城市{us_city}捐赠了{item}，对方二月份也曾帮助过我们。",
        "友好城市和友好省州是最快的援助渠道。",
        "{cn_city}和{us_city}结好几十年了，这次真正体现了友谊。",
        "我们市外办牵线，把{item}送到了美国的友好城市。",
    ],
    "diaspora": [
        "在{us_city}的中国留学生给同学们发放了健康包。",
        "{us_city}的华人一月份为武汉募捐了{money}，四月份又为当地医院募捐。",
        "作为留学生，我既担心国内的家人，也担心这里的朋友。",
        "{org}给{us_city}的医护人员送去了盒饭。",
        "很多华人华侨在检测点做志愿翻译。",
    ],
    "business": [
        "我们公司利用在{cn_city}的供应链，为美国诊所采购了{item}。",
        "一家美国企业在{cn_city}的工厂坚持生产防护用品。",
        "我们是一家小贸易公司，按成本价把{item}卖给了{us_city}的医院。",
        "有些供应商卖假冒伪劣口罩，伤害了信任。",
        "中美两边的合作伙伴每周都互相问候。",
    ],
    "media": [
        "两国媒体大多报道冲突，希望能多报道像我们这样的故事。",
        "社交媒体上关于病毒来源的谣言太多了。",
        "我在微信群里辟谣，但效果有限。",
        "普通人互相帮助的故事很少上新闻。",
        "当地报纸报道了我们的捐赠，很多读者很意外。",
    ],
    "politics": [
        "两国政府关系处于低谷，让一切都变得更难。",
        "政客互相指责救不了任何人。",
        "即使政府之间有分歧，民间合作也可以继续。",
        "出口限制让我们的物资晚到了好几周。",
        "希望两国搁置分歧，共同抗疫。",
    ],
    "racism": [
        "我的朋友在{us_city}的地铁上因为是亚裔被人辱骂。",
        "“中国病毒”的说法导致了对亚裔的歧视。",
        "有些中国留学生因为怕被骚扰不敢戴口罩出门。",
        "歧视是双向的，在{cn_city}的一些外国人也遇到了困难。",
    ],
    "gratitude": [
        "感谢中美两边所有伸出援手的人。",
        "我永远不会忘记陌生人寄来口罩的善意。",
        "这段经历让我觉得中美普通百姓是朋友。",
        "我们收到了{us_city}一位护士手写的感谢卡。",
        "国之交在于民相亲。",
    ],
    "other": [
        "疫情期间主要在家关注新闻。",
        "网课很辛苦，但我们坚持下来了。",
        "没有特别的故事。",
        "希望疫情早日结束，可以再出去旅行。",
        "我和邻居轮流帮楼里的老人买菜。",
        "问卷有点长。",
        "无。",
    ],
}
THEME_P = {"donations": 0.24, "medical": 0.12, "sister_cities": 0.07, "diaspora": 0.10, "business": 0.09,
           "media": 0.09, "politics": 0.09, "racism": 0.06, "gratitude": 0.08, "other": 0.06}

# Accounts with personal data planted for the redaction step, and the planted strings.
# (language, text, planted strings)
PLANTED_VALID = [
    (1, "We still have spare masks; email me at amy.chen2020@example.com if your clinic needs some.",
     ["amy.chen2020@example.com"]),
    (1, "Our volunteer team shipped 8,000 masks to Wuhan on 2020-02-10. Contact Li Ming at liming.relief@example.org for details.",
     ["Li Ming", "liming.relief@example.org"]),
    (1, "Call me at (212) 555-0147 if you want to join our next donation drive.", ["(212) 555-0147"]),
    (1, "+1 415-555-0199 is the hotline of our volunteer group in San Francisco.", ["+1 415-555-0199"]),
    (1, "We coordinate everything in a chat group, my WeChat: amy_2020. Over 200 people joined.", ["amy_2020"]),
    (1, "Photos of our donation to Pittsburgh are at https://www.example.org/~dgarcia/masks-for-wuhan",
     ["https://www.example.org/~dgarcia/masks-for-wuhan"]),
    (1, "=HYPERLINK(\"https://www.example.org/donate-ppe\",\"donate\") we raised 50,000 yuan through this page in March.",
     ["https://www.example.org/donate-ppe"]),
    (2, "我们还有一批防护服，需要的医院可以联系我：138 1234 5678。", ["138 1234 5678"]),
    (2, "+86 13912345678 是我们志愿者团队的联系电话，欢迎加入。报名时要登记证件，我的是110101199003074514。",
     ["+86 13912345678", "110101199003074514"]),
    (2, "想了解捐赠详情请加我，微信号：zhang_wei88", ["zhang_wei88"]),
    (2, "我们的留学生群很活跃，QQ: 2876543190，欢迎联系。", ["2876543190"]),
    (2, "请联系王芳（wangfang_hz@example.cn），她负责杭州和波士顿之间的物资对接。", ["王芳", "wangfang_hz@example.cn"]),
    (2, "捐赠照片和清单见 http://www.example.com/zhiyuan/2020 ，共捐出3万只口罩。", ["http://www.example.com/zhiyuan/2020"]),
    (2, "联系人：陈晓东，电话18601234567，2020年3月起负责对美捐赠。", ["陈晓东", "18601234567"]),
]
PLANTED_INVALID = [
    (1, "Email john.doe.volunteer@example.net if you can help sew cloth masks.", ["john.doe.volunteer@example.net"]),
    (2, "我的手机号是13700001111，有口罩需求可以找我。", ["13700001111"]),
]
# Accounts starting with characters that spreadsheets read as formulas (no personal data).
FORMULA_START = [
    (1, "- We sent 3,000 masks to a hospital in Boston. - Students volunteered as interpreters."),
    (1, "+1 for more cooperation between ordinary people!"),
    (1, "@CCG thank you for doing this survey."),
    (2, "-我们公司在2月初向武汉捐赠了5000只口罩。-4月又向纽约捐赠了防护服。"),
    (2, "=中美民间友好= 希望疫情早日结束。"),
]
OTHER_TEXT = {
    1: ["Translated guidelines for a hospital", "Organised an online fundraiser", "Shipped supplies through my church",
        "Coordinated logistics for a donation", "Wrote letters of support to nurses", "Sewed cloth masks",
        "Online seminar with partner schools"],
    2: ["帮忙翻译防疫指南", "组织线上募捐", "协调物流运输", "联系海外采购渠道", "参与线上交流会", "为留学生发放健康包"],
}


def _fill(template: str, fill: dict[str, list[str]], rng: np.random.Generator) -> str:
    values = {key: vals[int(rng.integers(len(vals)))] for key, vals in fill.items()}
    values.update({key.capitalize(): val[0].upper() + val[1:] for key, val in values.items()})
    return template.format(**values)


def compose_account(lang: int, rng: np.random.Generator) -> str:
    """One to four sentences from one or two themes, in the questionnaire's language."""
    themes, fill, sep = (EN_THEMES, EN_FILL, " ") if lang == 1 else (ZH_THEMES, ZH_FILL, "")
    names = list(THEME_P)
    p = np.array([THEME_P[t] for t in names])
    first, second = rng.choice(names, size=2, replace=False, p=p / p.sum())
    n_sent = int(rng.choice([1, 2, 3, 4], p=[0.35, 0.35, 0.20, 0.10]))
    sentences: list[str] = []
    for i in range(n_sent):
        theme = first if (i == 0 or rng.random() < 0.6) else second
        pool = [t for t in themes[theme] if t not in sentences]
        if not pool:
            continue
        sentences.append(pool[int(rng.integers(len(pool)))])
    return sep.join(_fill(s, fill, rng) for s in sentences)


# --------------------------------------------------------------------------- times and paradata

def start_times(country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Start times (Beijing) in the field period: a launch peak, a reminder, local daytime."""
    n = len(country)
    days = np.arange(FIELD_DAYS)
    w = np.exp(-days / 7.0) + 0.6 * np.exp(-(((days - 18) / 2.0) ** 2)) + 0.08
    day = rng.choice(days, size=n, p=w / w.sum())
    hours = np.arange(24)
    hw = np.where((hours >= 8) & (hours <= 23), 1.0, 0.08) + 0.6 * ((hours >= 20) & (hours <= 22))
    local = rng.choice(hours, size=n, p=hw / hw.sum())
    offset = np.select([country == 1, country == 2], [0, rng.choice([12, 13, 15], size=n)], rng.choice([0, 7, 8], size=n))
    seconds = day * 86400 + ((local + offset) % 24) * 3600 + rng.integers(0, 3600, n)
    return FIELD_START + seconds.astype("timedelta64[s]")


def normal_durations(n: int, rng: np.random.Generator) -> np.ndarray:
    """Seconds to complete, lognormal around 7 minutes, none under half the median; a few idle tabs."""
    secs = rng.lognormal(np.log(MEDIAN_SECONDS), 0.38, n)
    while (low := secs < 0.5 * MEDIAN_SECONDS).any():
        secs[low] = rng.lognormal(np.log(MEDIAN_SECONDS), 0.38, int(low.sum()))
    idle = rng.random(n) < 0.015
    secs[idle] = rng.uniform(1800, 14400, int(idle.sum()))
    return np.round(secs).astype(int)


def ip_addresses(country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unique private-range IPv4 strings (synthetic): 10/8 China, 172.16/12 US, 100.64/10 elsewhere."""
    n = len(country)
    seen: set[str] = set()
    out = np.empty(n, dtype=object)
    for i in range(n):
        while True:
            a, b, c = (int(x) for x in rng.integers(0, 256, 3))
            if country[i] == 1:
                ip = f"10.{a}.{b}.{max(c, 1)}"
            elif country[i] == 2:
                ip = f"172.{16 + a % 16}.{b}.{max(c, 1)}"
            else:
                ip = f"100.{64 + a % 64}.{b}.{max(c, 1)}"
            if ip not in seen:
                seen.add(ip)
                out[i] = ip
                break
    return out


# --------------------------------------------------------------------------- assembly

def block(n: int, rng: np.random.Generator, counts: dict[str, tuple[int, int]], adults: bool = True) -> dict[str, np.ndarray]:
    """Complete answers of n respondents (background, attitudes, participation)."""
    bg = background(n, rng, adults)
    rows = {**bg, **answers(bg, counts, rng)}
    rows["how_participated_other"] = np.full(n, "", dtype=object)
    rows["account"] = np.full(n, "", dtype=object)
    return rows


def fill_other_text(rows: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """Short 'other' texts for those who ticked option 5 (one in ten leaves it blank)."""
    for i in np.flatnonzero(rows["how_participated_5"] == 1):
        if rng.random() < 0.9:
            texts = OTHER_TEXT[int(rows["lang"][i])]
            rows["how_participated_other"][i] = texts[int(rng.integers(len(texts)))]


def concat(blocks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    keys = blocks[0].keys()
    return {k: np.concatenate([b[k] for b in blocks]) for k in keys}


def generate(seed: int = DEFAULT_SEED) -> tuple[list[list[str]], dict]:
    """Rows of the raw file (strings, header first) and a summary of what was built."""
    rng = np.random.default_rng(seed)
    targets = bases()

    # Valid respondents: exact counts for every published figure.
    valid = block(N_VALID, rng, {name: (k, dk) for name, (m, k, dk) in targets.items()})
    n_acc = 250
    writer_w = np.exp(1.1 * (valid["participated_q"] == 1) + 0.4 * (valid["ties"] != 3) + 0.3 * valid["_z"])
    writes = pick(writer_w, n_acc, rng)
    valid["account"][writes] = [compose_account(int(lang), rng) for lang in valid["lang"][writes]]
    planted: list[str] = []
    special = [(lang, text, strings) for lang, text, strings in PLANTED_VALID] + [(lang, text, []) for lang, text in FORMULA_START]
    taken = np.zeros(N_VALID, bool)
    for lang, text, strings in special:
        pool = np.flatnonzero(writes & ~taken & (valid["lang"] == lang))
        i = pool[int(rng.integers(len(pool)))]
        valid["account"][i] = text
        taken[i] = True
        planted += strings
    fill_other_text(valid, rng)
    valid["_reason"] = np.full(N_VALID, "", dtype=object)

    # Invalid respondents.
    def invalid(n, reason, adults=True):
        b = block(n, rng, random_counts(n, rng, targets), adults)
        b["_reason"] = np.full(n, reason, dtype=object)
        fill_other_text(b, rng)
        writes = rng.random(n) < 0.08
        b["account"][writes] = [compose_account(int(lang), rng) for lang in b["lang"][writes]]
        return b

    unsub = invalid(N_UNSUBMITTED, "incomplete")
    reqblank = invalid(N_REQUIRED_BLANK, "incomplete")
    oor = invalid(len(OUT_OF_RANGE), "out_of_range")
    young = invalid(N_UNDER_18, "out_of_scope", adults=False)
    young["sector"] = np.where(rng.random(N_UNDER_18) < 0.85, 7, young["sector"])
    young["education"] = np.where(young["education"] == 9, 9, 1)
    inattentive = invalid(N_ATTENTION, "attention_failed")
    inattentive["attention_q"] = rng.choice([5, 3, 2, 1, 9], size=N_ATTENTION, p=[0.45, 0.25, 0.10, 0.05, 0.15])
    speeders = invalid(N_SPEEDER, "speeder")
    straight = rng.random(N_SPEEDER) < 0.5  # straight-liners: 'Agree' everywhere
    for col in ["solidarity_q", "nongov_q", "support_q", "relations_q", "media_more_q", "positive_role_q"]:
        speeders[col] = np.where(straight, 4, speeders[col])
    speeders["account"][:] = ""
    speeders["account"][rng.random(N_SPEEDER) < 0.15] = "good"

    # Planted personal data in invalid rows: one speeder (English), one break-off
    # (Chinese) who answered everything, the account included, but never submitted.
    planted_rows = []
    for group, (lang, text, strings) in zip([speeders, unsub], PLANTED_INVALID):
        hits = np.flatnonzero(group["lang"] == lang)
        i = int(hits[0]) if len(hits) else 0
        group["lang"][i] = lang
        group["account"][i] = text
        planted_rows.append(i)
        planted += strings

    # Out-of-range: one impossible value each.
    for i, (col, bad) in enumerate(OUT_OF_RANGE):
        if col.startswith("how_participated_"):
            oor["participated_q"][i] = 1
            oor["how_participated_1"][i], oor["how_participated_3"][i], oor["how_participated_4"][i] = 0, 0, 1
            oor["how_participated_5"][i] = 0
            oor["how_participated_other"][i] = ""
        oor[col][i] = bad

    rows = concat([valid, unsub, reqblank, oor, young, inattentive, speeders])
    n = len(rows["country"])

    # Break-offs: answers stop before some question (early ones more often);
    # stop == len(QUESTION_ORDER) means everything answered but never submitted.
    n_q = len(QUESTION_ORDER)
    stops = rng.choice(np.arange(n_q + 1), size=N_UNSUBMITTED, p=_normalise(np.linspace(2.0, 0.5, n_q + 1)))
    stops[planted_rows[1]] = n_q
    for j, stop in enumerate(stops):
        i = N_VALID + j
        for cols in QUESTION_ORDER[stop:]:
            for col in cols:
                rows[col][i] = "" if col in ("account", "how_participated_other") else MISSING

    # Submitted with one required answer missing (a platform glitch): three single
    # questions, two multi-selects with nothing ticked.
    first_rb = N_VALID + N_UNSUBMITTED
    for j, col in enumerate(["ties", "media_more_q", "plan_future_q", "how_participated", "how_participated"]):
        i = first_rb + j
        if col == "how_participated":
            rows["participated_q"][i] = 1
            for c in MULTI:
                rows[c][i] = 0
            rows["how_participated_other"][i] = ""
        else:
            rows[col][i] = MISSING

    # Paradata.
    starts = start_times(rows["country"], rng)
    secs = normal_durations(n, rng)
    speeder_rows = rows["_reason"] == "speeder"
    secs[speeder_rows] = rng.integers(22, 56, int(speeder_rows.sum()))
    submits = starts + secs.astype("timedelta64[s]")
    late = submits > FIELD_END
    starts[late] -= np.timedelta64(86400, "s")
    submits[late] -= np.timedelta64(86400, "s")
    ips = ip_addresses(rows["country"], rng)
    # A few valid respondents share an address with another one (campus or office NAT).
    shared = rng.choice(N_VALID, size=16, replace=False)
    ips[shared[8:]] = ips[shared[:8]]
    # Some break-offs came back from the same address and submitted later.
    retry = rng.choice(np.arange(N_VALID, N_VALID + N_UNSUBMITTED), size=10, replace=False)
    ips[retry] = ips[rng.choice(N_VALID, size=10, replace=False)]
    submitted = np.ones(n, bool)
    submitted[N_VALID:N_VALID + N_UNSUBMITTED] = False

    # Duplicates: a later resubmission of a valid row, same address and answers.
    eligible = np.flatnonzero(submits[:N_VALID] < FIELD_END - np.timedelta64(4 * 86400, "s"))
    originals = rng.choice(eligible, size=N_DUPLICATE, replace=False)
    dup_start = submits[originals] + rng.integers(90, 3 * 86400, N_DUPLICATE).astype("timedelta64[s]")
    dup_secs = normal_durations(N_DUPLICATE, rng)
    dup_secs = np.minimum(dup_secs, 1500)
    answer_cols = [c for c in COLUMNS if c not in ("respondent_id", "start_time", "submit_time", "ip_address")]
    for col in answer_cols + ["_reason"]:
        rows[col] = np.concatenate([rows[col], rows[col][originals]])
    rows["_reason"][n:] = "duplicate"
    starts = np.concatenate([starts, dup_start])
    submits = np.concatenate([submits, dup_start + dup_secs.astype("timedelta64[s]")])
    ips = np.concatenate([ips, ips[originals]])
    submitted = np.concatenate([submitted, np.ones(N_DUPLICATE, bool)])
    n = len(starts)

    # Respondent ids in order of starting; the export lists rows in id order.
    order = np.argsort(starts, kind="stable")
    ids = np.empty(n, dtype=object)
    ids[order] = [f"R{i + 1:06d}" for i in range(n)]

    table = []
    for i in order:
        rec = {
            "respondent_id": ids[i],
            "start_time": _fmt(starts[i]),
            "submit_time": _fmt(submits[i]) if submitted[i] else "",
            "ip_address": ips[i],
        }
        for col in answer_cols:
            v = rows[col][i]
            if isinstance(v, str):
                rec[col] = v
            else:
                rec[col] = "" if int(v) == MISSING else str(int(v))
        table.append([rec[c] for c in COLUMNS])

    reasons = rows["_reason"][order]
    summary = {
        "seed": seed,
        "n_raw": n,
        "targets": targets,
        "reasons": {r: int((reasons == r).sum()) for r in
                    ["", "incomplete", "out_of_range", "out_of_scope", "attention_failed", "speeder", "duplicate"]},
        "planted": planted,
        "reason_by_row": list(reasons),
    }
    return [COLUMNS] + table, summary


def _normalise(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def _fmt(t: np.datetime64) -> str:
    return str(t.astype("datetime64[s]")).replace("T", " ")


# --------------------------------------------------------------------------- self-check

def check(table: list[list[str]], summary: dict) -> None:
    """Check what the generator promises (counts among the rows it built as valid)."""
    header, body = table[0], table[1:]
    col = {c: j for j, c in enumerate(header)}
    valid = [r for r, reason in zip(body, summary["reason_by_row"]) if reason == ""]
    if len(valid) != N_VALID:
        raise RuntimeError(f"built {len(valid)} valid rows, not {N_VALID}")
    for name, column, codes, pct, dk in FIGURES:
        values = [r[col[column]] for r in valid]
        base = [v for v in values if v != str(dk)]
        k = sum(v in {str(c) for c in codes} for v in base)
        m, k_target, n_dk = summary["targets"][name]
        if (len(base), k) != (m, k_target) or not rounds_to(k, len(base), pct):
            raise RuntimeError(f"{name}: {k}/{len(base)} does not reproduce {pct}%")
    # Speeder thresholds must be unambiguous around the pipeline's median.
    def seconds(r):
        return (np.datetime64(r[col["submit_time"]].replace(" ", "T")) - np.datetime64(r[col["start_time"]].replace(" ", "T"))).astype(int)
    pool = [(seconds(r), reason) for r, reason in zip(body, summary["reason_by_row"]) if reason in ("", "speeder", "duplicate")]
    median = float(np.median([s for s, _ in pool]))
    fast = max(s for s, reason in pool if reason == "speeder")
    slow = min(s for s, reason in pool if reason != "speeder")
    if not (fast < 0.15 * median and slow > 0.45 * median):
        raise RuntimeError(f"speeder durations not unambiguous: fastest normal {slow}s, slowest speeder {fast}s, median {median}s")
    summary["median_seconds"] = median
    text = to_csv(table)
    missing = [s for s in summary["planted"] if s not in text]
    if missing:
        raise RuntimeError(f"planted strings not in the file: {missing}")


def to_csv(table: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(table)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the synthetic wave-1 raw file of the CCG 2020 survey.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output CSV (default {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--planted", type=Path, default=None,
                        help="where to list the planted personal-data strings (default: planted_personal_data.txt next to --out)")
    args = parser.parse_args(argv)
    table, summary = generate(args.seed)
    check(table, summary)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(to_csv(table).encode("utf-8"))
    planted_path = args.planted or args.out.parent / "planted_personal_data.txt"
    planted_path.write_bytes(("\n".join(summary["planted"]) + "\n").encode("utf-8"))
    print(f"wrote {args.out}: {summary['n_raw']} rows, seed {summary['seed']}, "
          f"median duration {summary['median_seconds']:.0f}s")
    print("figure               base     k   non-substantive")
    for name, (m, k, dk) in summary["targets"].items():
        print(f"{name:18s} {m:6d} {k:5d} {dk:5d}")
    print("rows by reason: " + ", ".join(f"{r or 'valid'}={c}" for r, c in summary["reasons"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
