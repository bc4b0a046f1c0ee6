"""A seeded corpus of open answers with planted personal data, in English, Chinese and Spanish.

:func:`corpus` returns :class:`Case` objects: a text, the language, the planted
strings with their type, and the strings in it that are *not* personal data and must
come out unchanged (years, prices, ages, ZIP codes in prose, order numbers, ids with a
wrong checksum, dates, quantities).  The values are drawn with ``random.Random(seed)``
from formats people write: phone numbers split by spaces, dots or dashes, with or
without a country code, in full-width digits; identifiers grouped or not, after a
lead-in or bare; addresses of the three styles; handles; names after lead-ins in the
three languages, and names given in a personal-data question that recur in the text.

Identifiers are valid (python-stdnum checks them here) unless a case says otherwise:
a wrong checksum after a lead-in is still planted (a typo of one's own number), a
wrong checksum without one must survive.  The study the corpus is read with declares
``COUNTRIES`` and ``LANGUAGES``.

``python -m tests.pii_corpus`` prints a sample.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from stdnum.cn import ric
from stdnum.es import dni
from stdnum.us import ssn

COUNTRIES = ("CN", "US", "ES", "MX")
LANGUAGES = ("en", "zh", "es")
TYPES = ("PHONE", "NATIONAL_ID", "EMAIL", "URL", "ADDRESS", "HANDLE", "NAME")


@dataclass
class Case:
    text: str
    lang: str
    planted: list[tuple[str, str]] = field(default_factory=list)  # (type, string)
    survive: list[str] = field(default_factory=list)
    personal: str | None = None  # the respondent's answer to a "your name" question
    hard: str = ""  # which hard case, for reading a failure


# --------------------------------------------------------------------------- values

EN_FIRST = [
    "Amy",
    "John",
    "Maria",
    "David",
    "Sarah",
    "Michael",
    "Emily",
    "James",
    "Linda",
    "Robert",
    "Grace",
    "Kevin",
    "Olivia",
    "Daniel",
    "Hannah",
    "Peter",
    "Rachel",
    "Thomas",
    "Laura",
    "Eric",
]
EN_LAST = [
    "Chen",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Lee",
    "Walker",
    "Young",
    "King",
    "Wright",
    "O'Neil",
]
ES_FIRST = [
    "José",
    "María",
    "Juan",
    "Lucía",
    "Carlos",
    "Ana",
    "Javier",
    "Sofía",
    "Miguel",
    "Carmen",
    "Andrés",
    "Isabel",
    "Álvaro",
    "Pilar",
    "Raúl",
    "Elena",
    "Óscar",
    "Marta",
    "Iñigo",
    "Begoña",
]
ES_LAST = [
    "Pérez",
    "García",
    "Martínez",
    "López",
    "Sánchez",
    "Rodríguez",
    "Fernández",
    "Gómez",
    "Díaz",
    "Muñoz",
    "Álvarez",
    "Romero",
    "Ruiz",
    "Jiménez",
    "de la Cruz",
    "Ortega",
    "Núñez",
    "Castillo",
]
ZH_SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "林",
    "罗",
    "高",
    "郑",
    "梁",
    "谢",
    "宋",
    "唐",
    "欧阳",
    "司马",
]
ZH_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰晓东建国志红梅文斌雪"
CN_MOBILE = [f"13{d}" for d in range(10)] + [
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "170",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]
US_AREAS = [
    "212",
    "415",
    "312",
    "617",
    "202",
    "305",
    "713",
    "206",
    "503",
    "404",
    "646",
    "718",
    "213",
    "510",
]
US_CITIES = [
    ("New York", "NY", "10118"),
    ("Boston", "MA", "02116"),
    ("Chicago", "IL", "60601"),
    ("San Francisco", "CA", "94103"),
    ("Seattle", "WA", "98101"),
    ("Austin", "TX", "78701"),
    ("Springfield", "IL", "62704"),
    ("Washington", "DC", "20500"),
]
US_STREETS = [
    "Main",
    "Elm",
    "Oak",
    "Pennsylvania",
    "Fifth",
    "Market",
    "Maple",
    "Cedar",
    "Park",
    "Lake",
    "Hill",
    "Washington",
    "Lincoln",
    "5th",
    "42nd",
    "Martin Luther King Jr",
]
US_TYPES = [
    "Street",
    "St",
    "Avenue",
    "Ave",
    "Road",
    "Rd",
    "Boulevard",
    "Blvd",
    "Lane",
    "Drive",
    "Dr.",
    "Court",
    "Way",
    "Place",
]
ES_STREETS = [
    "Mayor",
    "de Alcalá",
    "Gran Vía",
    "de la Constitución",
    "Insurgentes Sur",
    "Reforma",
    "del Prado",
    "San Juan",
    "de los Reyes Católicos",
    "Serrano",
    "Colón",
    "Juárez",
]
ES_TYPES = ["Calle", "calle", "C/", "Avenida", "Av.", "Avda.", "Paseo", "Plaza"]
ES_CITIES = [
    ("28013", "Madrid"),
    ("08001", "Barcelona"),
    ("41001", "Sevilla"),
    ("46001", "Valencia"),
    ("06600", "Ciudad de México"),
    ("44100", "Guadalajara"),
]
ZH_PLACES = [
    ("北京市", "朝阳区", "建国"),
    ("上海市", "徐汇区", "漕溪北"),
    ("广东省深圳市", "南山区", "科技南"),
    ("浙江省杭州市", "西湖区", "文三"),
    ("湖北省武汉市", "武昌区", "中北"),
    ("四川省成都市", "武侯区", "人民南"),
]
ZH_ESTATES = ["阳光花园", "翠苑小区", "金色家园", "幸福新村", "世纪公寓"]
RIC_REGIONS = [
    "110101",
    "310104",
    "440304",
    "330106",
    "510107",
    "420102",
    "320102",
    "370102",
    "120101",
]
DOMAINS = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example.cn",
    "correo.example.es",
    "example.com.mx",
]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def us_phone(rng: random.Random, style: int) -> str:
    area, exchange, line = rng.choice(US_AREAS), str(rng.randint(201, 989)), _digits(rng, 4)
    if exchange[1:] == "11":
        exchange = "555"
    return [
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area} {exchange} {line}",
        f"+1 {area} {exchange} {line}",
        f"+1-{area}-{exchange}-{line}",
        f"1-800-{exchange}-{line}",
        f"+1 ({area}) {exchange}-{line}",
    ][style % 8]


def cn_phone(rng: random.Random, style: int) -> str:
    n = rng.choice(CN_MOBILE) + _digits(rng, 8)
    return [
        n,
        f"{n[:3]} {n[3:7]} {n[7:]}",
        f"{n[:3]}-{n[3:7]}-{n[7:]}",
        f"+86 {n}",
        f"+86-{n[:3]}-{n[3:7]}-{n[7:]}",
        f"0086 {n}",
        n.translate(FULLWIDTH),
        f"{n[:3]}.{n[3:7]}.{n[7:]}",
        f"010-6{_digits(rng, 7)}",
        f"0755-8{_digits(rng, 3)} {_digits(rng, 4)}",
        f"(021) 6{_digits(rng, 3)} {_digits(rng, 4)}",
        f"{n[:3]} {n[3:7]} {n[7:]}".translate(FULLWIDTH),
    ][style % 12]


def es_phone(rng: random.Random, style: int) -> str:
    es = f"6{_digits(rng, 8)}"
    mx = f"55{rng.randint(1, 9)}{_digits(rng, 7)}"
    return [
        f"+34 {es[:3]} {es[3:6]} {es[6:]}",
        f"{es[:3]} {es[3:5]} {es[5:7]} {es[7:]}",
        es,
        f"+52 {mx[:2]} {mx[2:6]} {mx[6:]}",
        f"{mx[:2]} {mx[2:6]} {mx[6:]}",
        f"0034 {es}",
        f"+34-{es[:3]}-{es[3:6]}-{es[6:]}",
        f"+52-{mx[:2]}-{mx[2:6]}-{mx[6:]}",
    ][style % 8]


def local_phone(rng: random.Random) -> str:
    return rng.choice(
        [
            f"555-01{_digits(rng, 2)}",
            f"555 01{_digits(rng, 2)}",
            f"{rng.randint(201, 989)}-{_digits(rng, 4)}",
        ]
    )


def valid_ric(rng: random.Random) -> str:
    birth = f"{rng.randint(1990, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = rng.choice(RIC_REGIONS) + birth + _digits(rng, 3)
    number = body + ric.calc_check_digit(body + "0")
    assert ric.is_valid(number)
    return number


def wrong_ric(rng: random.Random) -> str:
    good = valid_ric(rng)
    wrong = good[:-1] + rng.choice([c for c in "0123456789X" if c != good[-1]])
    assert not ric.is_valid(wrong)
    return wrong


def valid_ssn(rng: random.Random) -> str:
    while True:
        number = f"{rng.randint(1, 899):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
        if ssn.is_valid(number) and not number.startswith("666"):
            return number


def valid_dni(rng: random.Random) -> str:
    body = _digits(rng, 8)
    return body + dni.calc_check_digit(body)


def email(rng: random.Random, first: str, last: str) -> str:
    def ascii(s: str) -> str:
        return s.lower().translate(str.maketrans("áéíóúñüàç' ", "aeiounuac--")).replace("-", "")

    local = rng.choice(
        [
            f"{ascii(first)}.{ascii(last)}",
            f"{ascii(first)}{rng.randint(1, 2020)}",
            f"{ascii(first)[0]}{ascii(last)}+masks",
            f"{ascii(last)}_{ascii(first)}88",
        ]
    )
    return f"{local}@{rng.choice(DOMAINS)}"


def url(rng: random.Random) -> str:
    path = rng.choice(
        ["donate", "masks-for-wuhan", "~dgarcia/photos", "2020/relief?id=42", "ayuda/mascarillas"]
    )
    return rng.choice(
        [
            f"https://www.{rng.choice(DOMAINS)}/{path}",
            f"http://{rng.choice(DOMAINS)}/{path}",
            f"www.{rng.choice(DOMAINS)}/{path}",
            f"{rng.choice(['relief', 'masks4all', 'ayuda'])}.example.org",
            f"https://{rng.choice(DOMAINS)}",
        ]
    )


def en_name(rng: random.Random) -> str:
    return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"


def es_name(rng: random.Random) -> str:
    return f"{rng.choice(ES_FIRST)} {rng.choice(ES_LAST)}"


def zh_name(rng: random.Random) -> str:
    return rng.choice(ZH_SURNAMES) + "".join(rng.sample(ZH_GIVEN, rng.choice([1, 2])))


def us_address(rng: random.Random) -> str:
    city, state, zip_code = rng.choice(US_CITIES)
    number = str(rng.choice([rng.randint(1, 99), rng.randint(100, 999), rng.randint(1000, 1899)]))
    street = f"{number} {rng.choice(US_STREETS)} {rng.choice(US_TYPES)}"
    unit = rng.choice(
        ["", f", Apt {rng.randint(1, 20)}{rng.choice('ABC')}", f", Suite {rng.randint(100, 3300)}"]
    )
    tail = rng.choice(["", f", {city}, {state} {zip_code}", f", {city}"])
    if rng.random() < 0.25:
        return f"{rng.choice(['P.O. Box', 'PO Box'])} {rng.randint(10, 9999)}, {city}, {state} {zip_code}"
    return street + unit + tail


def es_address(rng: random.Random) -> str:
    cp, city = rng.choice(ES_CITIES)
    if rng.random() < 0.2:
        return f"Apartado de Correos {rng.randint(10, 9999)}, {cp} {city}"
    street = f"{rng.choice(ES_TYPES)} {rng.choice(ES_STREETS)} {rng.randint(1, 250)}"
    extra = rng.choice(
        ["", f", {rng.randint(1, 9)}º {rng.choice('ABCD')}", f", piso {rng.randint(1, 9)}"]
    )
    return street + extra + rng.choice(["", f", {cp} {city}"])


def zh_address(rng: random.Random) -> str:
    city, district, road = rng.choice(ZH_PLACES)
    if rng.random() < 0.25:
        return f"{rng.choice(ZH_ESTATES)}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2505)}室"
    room = rng.choice(
        ["", f"{rng.randint(1, 12)}号楼{rng.randint(101, 2505)}室", f"{rng.randint(1, 30)}栋"]
    )
    return f"{city}{district}{road}路{rng.randint(1, 999)}号{room}"


def handle(rng: random.Random) -> tuple[str, str]:
    """(text around it with {h}, the id)."""
    ident = rng.choice(
        ["amy_2020", "zhang_wei88", "fang-hz2020", "chen.relief_01", "masks4wuhan_9"]
    )
    qq = str(rng.randint(10000, 9999999999))
    return rng.choice(
        [
            ("my WeChat: {h}", ident),
            ("WeChat ID {h}", ident),
            ("add me on WeChat, id {h}", ident),
            ("微信号：{h}", ident),
            ("微信 {h}", ident),
            ("QQ: {h}", qq),
            ("QQ号{h}", qq),
            ("QQ群：{h}", qq),
            ("follow {h} on Twitter", "@" + ident.replace("-", "_")),
            ("instagram: {h}", "@" + ident.replace("-", "_")),
            ("mi usuario de telegram es {h}", "@" + ident.replace("-", "_")),
            ("IG: {h}", ident),
        ]
    )


# --------------------------------------------------------------------------- sentences

PHONE_EN = [
    "Call me at {x} if your clinic needs masks.",
    "Our hotline is {x}, open on weekdays.",
    "{x} is the number of our volunteer group.",
    "You can text {x} for details.",
    "Reach our team at {x} or come by.",
    "Phone: {x}",
]
PHONE_ZH = [
    "需要口罩的医院可以联系我：{x}。",
    "{x}是我们志愿者团队的联系电话。",
    "我的手机号是{x}，欢迎联系。",
    "有需要请拨打{x}。",
    "联系电话{x}，工作日都在。",
]
PHONE_ES = [
    "Llame al {x} si necesita mascarillas.",
    "Mi teléfono es {x}.",
    "{x} es el número de nuestro grupo.",
    "Escríbanos por WhatsApp al {x}.",
    "Contacto: {x}",
]
LOCAL = {
    "en": ["call {x} tonight", "Call me on {x}.", "my number is {x}", "tel. {x}"],
    "es": ["llame al {x}", "mi teléfono: {x}", "Llámame al {x} por la tarde."],
    "zh": ["电话：{x}", "打电话{x}找我"],
}
ID_LEADIN = {
    "en": [
        "My SSN is {x}.",
        "social security number: {x}",
        "SSN {x} was on the form.",
        "my ID number is {x}",
        "resident ID {x} (Chinese)",
    ],
    "es": ["mi número de seguro social es {x}", "seguro social: {x}", "DNI {x}", "mi DNI es {x}"],
    "zh": ["身份证号{x}已登记。", "身份证号码：{x}", "我的身份证是{x}，请核对。", "证件号{x}"],
}
ID_BARE = {
    "en": ["Please write {x} on the receipt.", "The form said {x} under my name."],
    "es": ["Ponga {x} en el recibo.", "En el formulario aparece {x}."],
    "zh": ["收据上请写{x}。", "表格里填的是{x}，请核对。"],
}
EMAIL = {
    "en": ["Email me at {x} if you can help.", "Send the list to {x}.", "({x})"],
    "es": ["Escríbame a {x} si puede ayudar.", "Correo: {x}"],
    "zh": ["邮箱{x}如果需要请联系", "请发邮件到{x}。", "我的邮箱：{x}"],
}
URL = {
    "en": [
        "Photos are at {x}.",
        "See {x} for the list.",
        '=HYPERLINK("{x}","donate") we raised money.',
    ],
    "es": ["Las fotos están en {x}.", "Más información en {x}"],
    "zh": ["捐赠照片见 {x} ，共3万只。", "详情见{x}。"],
}
ADDRESS = {
    "en": [
        "Please send the masks to {x} before Friday.",
        "Our office is at {x}, come by.",
        "I live at {x}.",
        "Ship to: {x}",
    ],
    "es": ["Envíelo a {x}.", "Vivo en {x} desde 2019.", "Dirección: {x}"],
    "zh": ["我家住在{x}。", "物资请寄到{x}，谢谢。", "地址：{x}"],
}
HANDLE = {
    "en": ["We coordinate in a chat group, {h}.", "Questions? {h}"],
    "es": ["Para coordinar, {h}.", "Dudas: {h}"],
    "zh": ["想了解详情请加我，{h}", "群很活跃，{h}，欢迎加入。"],
}
NAME = {
    "en": [
        "My name is {x} and I volunteered in Boston.",
        "Call {x} at the community center.",
        "Contact {x} for the donation list.",
        "Please ask for {x} at the front desk.",
        "Best regards, {x}",
        "Please call Dr. {x} tomorrow.",
    ],
    "es": [
        "Me llamo {x} y trabajo en un hospital.",
        "Llame a {x} para coordinar.",
        "Pregunte por {x} en la recepción.",
        "Hable con {x} sobre las donaciones.",
        "Atentamente, {x}",
    ],
    "zh": [
        "我叫{x}，在波士顿当志愿者。",
        "联系人：{x}，负责对美捐赠。",
        "请联系{x}（{e}），她负责物资对接。",
        "姓名：{x}",
        "我的名字是{x}。",
    ],
}
PERSONAL = {
    "en": [
        "Thanks to {x} for organising the shipment.",
        "{x} and I drove the masks to the hospital.",
    ],
    "es": ["Gracias a {x} por organizar el envío.", "{x} y yo llevamos las mascarillas."],
    "zh": ["感谢{x}组织这次捐赠。", "{x}和我一起把口罩送到了医院。"],
}


def _survive(rng: random.Random, lang: str) -> tuple[str, list[str], str]:
    """A sentence with numbers (and words) that are not personal data, the strings that must stay."""
    year, price, age = (
        str(rng.randint(1990, 2024)),
        f"{rng.randint(2, 99)},{rng.randint(100, 999)}",
        rng.randint(18, 90),
    )
    order = rng.choice(
        [
            f"#{_digits(rng, 8)}",
            f"{rng.randint(100, 999)}-{_digits(rng, 7)}-{_digits(rng, 7)}",
            f"1Z{_digits(rng, 3)}AA{_digits(rng, 10)}",
            f"PO-{year}-{_digits(rng, 5)}",
            _digits(rng, 19),
        ]
    )
    wrong, zip_code = wrong_ric(rng), rng.choice(["10001", "94103", "60601", "02116"])
    quantity = f"{rng.randint(2, 90)},000"
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    pools = {
        "en": [
            (f"In {year} we sent {quantity} masks to Wuhan.", [year, quantity], "year, quantity"),
            (f"We raised ${price} for PPE.", [price], "price"),
            (f"I am {age} years old.", [str(age)], "age"),
            (
                f"We gave masks to hospitals in the {zip_code} ZIP code area.",
                [zip_code],
                "ZIP code in prose",
            ),
            (f"My order number {order} arrived on {date}.", [order, date], "order number, date"),
            (
                f"The number {wrong} on the box is a batch code.",
                [wrong],
                "id with a wrong checksum",
            ),
            (
                f"In {year} Main Street shops donated gloves.",
                [f"{year} Main Street"],
                "year before a street",
            ),
            (
                f"We called {rng.randint(20, 300)} hospitals and contacted the Red Cross.",
                [],
                "call/contact, no name",
            ),
            (
                "WeChat is popular in China; call the hotline for help.",
                ["WeChat is popular"],
                "lead-ins, no data",
            ),
            (f"Between 2019-{year[2:]} we gave {_digits(rng, 8)} yuan.", [], "range, amount"),
            (
                f"98.{rng.randint(10, 99)}% of 1,776 respondents agreed at 14:30.",
                [],
                "percent, time",
            ),
            (
                f"The goggles arrived on {date}. {rng.randint(12, 99)} volunteers helped.",
                [date],
                "date, number",
            ),
        ],
        "zh": [
            (
                f"{year}年我们向武汉捐赠了{rng.randint(2, 90)}0000个口罩。",
                [f"{year}年"],
                "year, quantity",
            ),
            (f"共筹集善款{price}元。", [price], "price"),
            (f"我今年{age}岁，是一名医生。", [f"{age}岁"], "age"),
            (f"订单号{order}已发货，{date}到达。", [order, date], "order number, date"),
            (f"箱子上的编号{wrong}是批次号。", [wrong], "id with a wrong checksum"),
            ("我在微信群里辟谣，但效果有限。", ["微信群"], "lead-in, no data"),
            ("找高中同学帮忙联系了三家医院。", ["找高中同学"], "weak lead-in, no name"),
            (f"{year}年3月15日物资送到，共{rng.randint(2, 99)}箱。", [], "date, quantity"),
        ],
        "es": [
            (f"En {year} enviamos {quantity} mascarillas.", [year, quantity], "year, quantity"),
            (f"Recaudamos {price} € para material.", [price], "price"),
            (f"Tengo {age} años y soy enfermera.", [f"{age} años"], "age"),
            (f"Mi pedido {order} llegó el {date}.", [order, date], "order number, date"),
            (f"El código {wrong} de la caja es un lote.", [wrong], "id with a wrong checksum"),
            (
                "Llame a la oficina para más información.",
                ["Llame a la oficina"],
                "lead-in, no name",
            ),
            (
                f"Vivo en la calle desde {year}, cerca del código postal 28013.",
                ["28013"],
                "street word, ZIP",
            ),
        ],
    }
    return rng.choice(pools[lang])


def _plant(rng: random.Random, lang: str, kind: str) -> Case:
    fmt = {"en": us_phone, "zh": cn_phone, "es": es_phone}[lang]
    if kind == "PHONE":
        if rng.random() < 0.2:
            x = local_phone(rng) if lang != "zh" else f"8{_digits(rng, 3)}-{_digits(rng, 4)}"
            return Case(
                rng.choice(LOCAL[lang]).format(x=x),
                lang,
                [(kind, x)],
                hard="local number after a lead-in",
            )
        x = fmt(rng, rng.randrange(100))
        templates = {"en": PHONE_EN, "zh": PHONE_ZH, "es": PHONE_ES}[lang]
        return Case(
            rng.choice(templates).format(x=x), lang, [(kind, x)], hard="split/full-width phone"
        )
    if kind == "NATIONAL_ID":
        r = rng.random()
        if r < 0.35:  # after a lead-in, sometimes with a wrong checksum or range
            x = {
                "en": rng.choice(
                    [
                        valid_ssn(rng),
                        valid_ssn(rng).replace("-", ""),
                        "078-05-1120",
                        f"000-{rng.randint(10, 99)}-{_digits(rng, 4)}",
                        valid_ric(rng),
                    ]
                ),
                "es": rng.choice(
                    [valid_ssn(rng), valid_dni(rng), valid_dni(rng)[:-1] + "-" + valid_dni(rng)[-1]]
                ),
                "zh": rng.choice(
                    [valid_ric(rng), wrong_ric(rng), valid_ric(rng).translate(FULLWIDTH)]
                ),
            }[lang]
            return Case(
                rng.choice(ID_LEADIN[lang]).format(x=x),
                lang,
                [(kind, x)],
                hard="id after a lead-in",
            )
        number = valid_ric(rng) if lang == "zh" or r < 0.6 else valid_ssn(rng)
        if r > 0.85:
            number = (
                f"{number[:6]} {number[6:14]} {number[14:]}"
                if len(number) == 18
                else number.replace("-", " ")
            )
        return Case(
            rng.choice(ID_BARE[lang]).format(x=number), lang, [(kind, number)], hard="bare valid id"
        )
    first, last = (
        (rng.choice(EN_FIRST), rng.choice(EN_LAST))
        if lang != "es"
        else (rng.choice(ES_FIRST), rng.choice(ES_LAST))
    )
    if kind == "EMAIL":
        x = email(rng, first, last)
        return Case(rng.choice(EMAIL[lang]).format(x=x), lang, [(kind, x)])
    if kind == "URL":
        x = url(rng)
        return Case(rng.choice(URL[lang]).format(x=x), lang, [(kind, x)])
    if kind == "ADDRESS":
        x = {"en": us_address, "es": es_address, "zh": zh_address}[lang](rng)
        return Case(rng.choice(ADDRESS[lang]).format(x=x), lang, [(kind, x)])
    if kind == "HANDLE":
        around, ident = handle(rng)
        return Case(
            rng.choice(HANDLE[lang]).format(h=around.format(h=ident)), lang, [(kind, ident)]
        )
    name = {"en": en_name, "es": es_name, "zh": zh_name}[lang](rng)
    if rng.random() < 0.3:  # a name given in the personal-data question, recurring in the text
        return Case(
            rng.choice(PERSONAL[lang]).format(x=name),
            lang,
            [(kind, name)],
            personal=name,
            hard="personal answer recurring",
        )
    e = email(rng, first, last)
    template = rng.choice(NAME[lang])
    planted = [(kind, name)] + ([("EMAIL", e)] if "{e}" in template else [])
    return Case(template.format(x=name, e=e), lang, planted, hard="name after a lead-in")


def corpus(seed: int = 20211, per_type: int = 60, survive: int = 150) -> list[Case]:
    """``per_type`` planted cases of each type in each language, ``survive`` clean ones each.

    Each planted case also carries a sentence that must survive, so that a detector
    running over into the rest of the text shows as a false positive.
    """
    rng = random.Random(seed)
    cases = []
    for lang in LANGUAGES:
        for kind in TYPES:
            for _ in range(per_type):
                case = _plant(rng, lang, kind)
                text, keep, _ = _survive(rng, lang)
                first, second = (case.text, text) if rng.random() < 0.5 else (text, case.text)
                end = "" if first[-1] in ".。!！?？)）" else ("。" if lang == "zh" else ".")
                case.text = first + end + ("" if lang == "zh" else " ") + second
                case.survive += keep
                cases.append(case)
        for _ in range(survive):
            text, keep, hard = _survive(rng, lang)
            cases.append(Case(text, lang, [], keep, hard=hard))
    return cases


if __name__ == "__main__":
    for c in corpus(per_type=2, survive=3):
        print(c.lang, c.planted, c.survive, "|", c.text)
