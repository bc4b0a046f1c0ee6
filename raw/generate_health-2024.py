"""Seeded generator of the SYNTHETIC raw file of the health-2024 example study.

The Texas Community Health and Access to Care Survey 2024 never took place: this
script invents a plausible web export of it (instrument ``instruments/health-2024.yaml``,
version 1.0.0, canonical CSV layout, times in UTC as ISO 8601 with ``Z``), so that the
pipeline can be tested end to end on a second study, in English and Spanish, whose
right answers are known.  It plants, on purpose, the bad data a real export has
(break-offs, out-of-range codes, minors, "None of these" ticked with other options,
straight-liners, speeders, repeat submissions, answers to questions the skip logic
did not ask, personal data in open text) and lists every planted case in
``raw/health-2024-planted.csv``.

It deliberately imports nothing from the ``survey`` package (it is that package's
test oracle) and shares no code with it; it reads no file either: the codes below
are the instrument's, written out.

Usage::

    python raw/generate_health-2024.py                 # rewrites raw/health-2024-wave1.csv
                                                       # and raw/health-2024-planted.csv
    python raw/generate_health-2024.py --out x.csv --seed 7

The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "health-2024-wave1.csv"
DEFAULT_SEED = 20240304

INSURANCE = [f"insurance_type_{c}" for c in range(1, 7)]
COST = [f"cost_barriers_{c}" for c in range(1, 7)]
GRID = ["access_a", "access_b", "access_c", "access_d"]
COLUMNS = [
    "respondent_id", "start_time", "submit_time", "lang", "access_code",
    "health_rating", "has_insurance", "has_insurance_comment", *INSURANCE,
    "usual_source", "usual_place", "usual_place_other", "needed_care", *COST, *GRID,
    "difficulty_account", "region", "age", "sex", "hispanic", "education", "household_size",
]
PARADATA = ["respondent_id", "start_time", "submit_time", "lang", "access_code"]
# Pages in the order the respondent meets them (a break-off stops before one).
PAGES = [
    ["health_rating"], ["has_insurance", "has_insurance_comment"], INSURANCE, ["usual_source"],
    ["usual_place", "usual_place_other"], ["needed_care"], COST, GRID, ["difficulty_account"],
    ["region", "age", "sex", "hispanic", "education", "household_size"],
]
TEXT_COLUMNS = {"has_insurance_comment", "usual_place_other", "difficulty_account"}
DK, REF = 98, 99
LANG_CODES = {1: "en", 2: "es"}

N_VALID = 1200
N_BREAKOFF = 30            # incomplete: never submitted
REQUIRED_BLANK = [         # incomplete: submitted with one required answer missing
    "sex", "sex", "access_c", "access_c", "cost_barriers", "cost_barriers",
    "insurance_type", "insurance_type", "age", "health_rating",
]
OUT_OF_RANGE = [           # one impossible value each
    ("age", 150), ("household_size", 0), ("household_size", 35), ("health_rating", 11),
    ("access_b", 5), ("region", 6), ("cost_barriers_3", 2), ("sex", 3),
]
MINOR_AGES = [15, 16, 16, 17, 17, 17]             # out_of_scope
N_EXCLUSIVE = 7                                    # "None of these" with another option
STRAIGHT = [4] * 5 + [3] * 3 + [1, 2] + [DK] * 2   # the one answer of each straight-liner
N_SPEEDER = 15
N_DUPLICATE = 10
N_HOUSEHOLD_PAIRS = 6      # two adults of one household, one access code, different answers
N_RETRIES = 8              # break-offs whose access code later completed
# Skip-logic violations among valid respondents: (question answered, filter, filter value).
SKIP_VIOLATIONS = [("usual_place", "usual_source", 2)] * 6 + [("insurance_type", "has_insurance", 2)] * 4 \
    + [("insurance_type", "has_insurance", DK)] + [("usual_place_other", "usual_place", 2)] * 2

ZONE = ZoneInfo("America/Chicago")
FIELD_START = datetime(2024, 3, 4, tzinfo=ZONE)   # first invitation letters arrive
FIELD_DAYS = 56                                    # to 2024-04-28
MEDIAN_SECONDS = 620.0
REGION_P = [0.24, 0.22, 0.19, 0.13, 0.22]
SPANISH_P = [0.16, 0.22, 0.18, 0.48, 0.10]         # Spanish questionnaire, by region
HISPANIC_EN_P = [0.20, 0.25, 0.30, 0.70, 0.22]     # Hispanic among English respondents
AGE_BAND_P = {1: [0.13, 0.25, 0.35, 0.27], 2: [0.20, 0.36, 0.32, 0.12]}
EDUCATION_P = {1: [0.25, 0.32, 0.26, 0.16, 0.01], 2: [0.55, 0.25, 0.12, 0.06, 0.02]}
HOUSEHOLD_P = {
    "en": [0.22, 0.36, 0.16, 0.14, 0.07, 0.03, 0.01, 0.01],
    "es": [0.08, 0.20, 0.20, 0.24, 0.15, 0.08, 0.03, 0.02],
    "65+": [0.40, 0.42, 0.08, 0.05, 0.03, 0.01, 0.005, 0.005],
}
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"   # no 0/O, 1/I/L, 2/Z, 5/S, 8/B


# --------------------------------------------------------------------------- helpers

def choice(rng: np.random.Generator, codes: list, p: list[float]):
    p = np.asarray(p, dtype=float)
    return codes[int(rng.choice(len(codes), p=p / p.sum()))]


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def with_nonsubstantive(rng: np.random.Generator, value: int, p_dk: float, p_ref: float) -> int:
    u = rng.random()
    return DK if u < p_dk else REF if u < p_dk + p_ref else value


def cut(x: float, cuts: tuple[float, float, float]) -> int:
    """1-4 from a latent value and three thresholds."""
    return 1 + sum(x > c for c in cuts)


# --------------------------------------------------------------------------- one respondent

def person(rng: np.random.Generator, valid: bool = True) -> dict:
    """Complete answers of one adult (assumed distributions; see raw/README.md)."""
    r: dict = {}
    region = choice(rng, [1, 2, 3, 4, 5], REGION_P)
    lang = 2 if rng.random() < SPANISH_P[region - 1] else 1
    hispanic = 1 if rng.random() < (0.98 if lang == 2 else HISPANIC_EN_P[region - 1]) else 2
    hispanic = with_nonsubstantive(rng, hispanic, 0.0, 0.008)
    band = choice(rng, [1, 2, 3, 4], AGE_BAND_P[lang])
    lo, hi = {1: (18, 29), 2: (30, 44), 3: (45, 64), 4: (65, 65)}[band]
    age = int(rng.integers(lo, hi + 1)) if band < 4 else min(65 + int(rng.exponential(8.0)), 96)
    sex = choice(rng, [1, 2, REF], [0.43, 0.56, 0.01])
    education = choice(rng, [1, 2, 3, 4, REF], EDUCATION_P[lang])
    hh_p = HOUSEHOLD_P["65+" if age >= 65 else "es" if lang == 2 else "en"]
    household = choice(rng, list(range(1, 9)), hh_p)
    if household == 8 and rng.random() < 0.3:
        household = int(rng.integers(9, 13))
    es, old, young = lang == 2, age >= 65, age < 30
    low_ed, high_ed = education == 1, education in (3, 4)

    insured_p = logistic(1.9 - 1.5 * es - 0.5 * (hispanic == 1 and not es) + 2.6 * old - 0.4 * young
                         + 0.5 * high_ed - 0.4 * low_ed)
    has_insurance = with_nonsubstantive(rng, 1 if rng.random() < insured_p else 2, 0.012, 0.006)
    insured = has_insurance == 1
    types = [None] * 6
    if insured:
        if old:
            p = [0.25, 0.05, 0.96, 0.10, 0.06, 0.03]
        else:
            p = [(0.70 if high_ed else 0.55) - 0.15 * es, 0.14, 0.02, 0.10 + 0.15 * es + 0.08 * low_ed, 0.04, 0.03]
        types = [int(rng.random() < q) for q in p]
        if not any(types):
            types[choice(rng, [0, 1, 3], [0.6, 0.2, 0.2])] = 1
    usual_p = logistic(0.5 + 1.3 * insured + 0.7 * old - 0.3 * es)
    usual_source = with_nonsubstantive(rng, 1 if rng.random() < usual_p else 2, 0.01, 0.005)
    usual_place, place_other = None, ""
    if usual_source == 1:
        p = [0.70, 0.12, 0.11, 0.04, 0.02] if insured else [0.22, 0.42, 0.16, 0.14, 0.04]
        usual_place = with_nonsubstantive(rng, choice(rng, [1, 2, 3, 4, 5], p), 0.008, 0.004)
        if usual_place == 5 and rng.random() < 0.9:
            pool = OTHER_PLACE[lang]
            place_other = pool[int(rng.integers(len(pool)))]
    need_p = logistic(-2.2 + 1.2 * (not insured) + 0.3 * (sex == 2) + 0.3 * (age < 45) - 0.4 * old)
    needed = with_nonsubstantive(rng, 1 if rng.random() < need_p else 2, 0.015, 0.005)
    boost = 2.2 if not insured else 1.0
    cost_p = [0.08, 0.09, 0.16, 0.05, 0.08]
    cost = [int(rng.random() < min(0.9, q * boost + 0.06 * (needed == 1))) for q in cost_p]
    cost.append(0 if any(cost) else 1)

    health = 7.3 - 0.025 * (age - 45) - 0.7 * (not insured) - 0.4 * low_ed + 0.3 * (education == 4) \
        - 0.5 * (needed == 1) + rng.normal(0.0, 1.6)
    if rng.random() < 0.012:  # serious illness or disability
        health = rng.uniform(-0.5, 2.5)
    health_rating = with_nonsubstantive(rng, int(min(10, max(0, round(health)))), 0.008, 0.007)

    latent = rng.normal() + 0.6 * insured + 0.4 * (usual_source == 1) - 0.5 * (needed == 1)
    for _ in range(100):
        grid = [
            cut(0.9 * latent + rng.normal(0, 0.8) + 0.1, (-1.0, 0.0, 1.0)),
            cut(0.7 * latent + rng.normal(0, 0.9) + 0.3, (-1.0, 0.0, 1.0)),
            cut(0.6 * latent + rng.normal(0, 0.9) + 0.4 - 0.9 * es, (-1.0, 0.0, 1.0)),
            cut(-0.8 * latent + rng.normal(0, 0.9) + 0.2, (-1.0, 0.0, 1.0)),
        ]
        grid = [with_nonsubstantive(rng, g, 0.02, 0.004) for g in grid]
        if not valid or len(set(grid)) > 1:  # valid respondents never straight-line
            break

    r.update({
        "lang": lang, "health_rating": health_rating, "has_insurance": has_insurance,
        "has_insurance_comment": "", **dict(zip(INSURANCE, types)), "usual_source": usual_source,
        "usual_place": usual_place, "usual_place_other": place_other, "needed_care": needed,
        **dict(zip(COST, cost)), **dict(zip(GRID, grid)), "difficulty_account": "",
        "region": region, "age": age, "sex": sex, "hispanic": hispanic, "education": education,
        "household_size": household,
    })
    if has_insurance in (DK, 1) and rng.random() < (0.25 if has_insurance == DK else 0.02):
        pool = INSURANCE_COMMENT[lang]
        r["has_insurance_comment"] = pool[int(rng.integers(len(pool)))]
    writes = logistic(-1.9 + 1.6 * (needed == 1) + 0.5 * any(cost[:5]) + 0.2 * es)
    if rng.random() < writes:
        r["difficulty_account"] = compose_account(r, rng)
    r["_tags"] = []
    return r


# --------------------------------------------------------------------------- open text

OTHER_PLACE = {
    1: ["A mobile clinic that comes to my church", "My employer's on-site clinic", "Telehealth app",
        "The VA clinic", "A free clinic run by volunteers"],
    2: ["Una clínica en Reynosa", "La farmacia con consultorio", "Una clínica móvil en la iglesia",
        "Me atiendo en Piedras Negras", "Consulta por teléfono"],
}
INSURANCE_COMMENT = {
    1: ["I think my kids have CHIP but I am not sure about me.", "Something through my husband's work.",
        "Medicare, and maybe a supplement plan.", "I signed up on HealthCare.gov but never paid the first month."],
    2: ["Creo que tengo Medicaid pero no estoy segura.", "Algo por el trabajo de mi esposo.",
        "Mis hijos tienen CHIP, yo no sé.", "Tengo la tarjeta del condado, no sé si cuenta."],
}
FILL = {
    1: {
        "money": ["$180", "$240", "$95", "$1,200", "$3,000", "$60", "$425", "$800"],
        "wait": ["two weeks", "three weeks", "six weeks", "four months", "two months", "eight weeks"],
        "miles": ["30", "45", "60", "90", "25", "120"],
        "city": ["Houston", "Dallas", "San Antonio", "El Paso", "McAllen", "Austin", "Lubbock", "Laredo",
                 "Fort Worth", "Corpus Christi"],
        "specialist": ["a cardiologist", "a dermatologist", "an endocrinologist", "a neurologist",
                       "a rheumatologist", "an eye doctor"],
        "med": ["insulin", "my inhaler", "my blood pressure pills", "my son's ADHD medicine", "an antibiotic"],
        "when": ["2022", "2023", "last year", "last spring"],
    },
    2: {
        "money": ["180 dólares", "$240", "95 dólares", "$1,200", "3,000 dólares", "$60", "$425"],
        "wait": ["dos semanas", "tres semanas", "seis semanas", "cuatro meses", "dos meses"],
        "miles": ["30", "45", "60", "90", "25", "120"],
        "city": ["Houston", "Dallas", "San Antonio", "El Paso", "McAllen", "Laredo", "Brownsville",
                 "Eagle Pass", "Corpus Christi"],
        "specialist": ["un cardiólogo", "un dermatólogo", "un endocrinólogo", "un neurólogo", "un oculista"],
        "med": ["la insulina", "mi inhalador", "las pastillas de la presión", "la medicina de mi hijo",
                "un antibiótico"],
        "when": ["2022", "2023", "el año pasado", "la primavera pasada"],
    },
}
THEMES = {
    1: {
        "cost": [
            "The emergency room visit cost {money} even with insurance, so now I avoid going.",
            "I skipped my follow-up because the copay was {money} and I could not afford it that month.",
            "We put off my husband's care until the pain got too bad; the bill was more than we make in a week.",
            "Everything costs too much; I paid {money} for a visit that lasted ten minutes.",
        ],
        "insurance": [
            "I lost my Medicaid when they did the renewals and nobody told me until I was at the pharmacy.",
            "My job does not offer insurance and the Marketplace plan is too expensive for us.",
            "The clinic I used for years stopped taking my insurance plan in January.",
            "I have had no insurance since I changed jobs, so I only see a doctor in an emergency.",
        ],
        "appointments": [
            "I needed to see {specialist} and the first appointment was in {wait}.",
            "It took {wait} to get an appointment with my own doctor, so I went to urgent care instead.",
            "They kept cancelling my appointment and I had to start over each time.",
            "The waiting list for a new patient visit was {wait} long.",
        ],
        "transport": [
            "The nearest clinic that takes my plan is {miles} miles away and I do not have a car.",
            "I depend on my daughter to drive me to {city}, and she cannot always take off work.",
            "There is no bus to the hospital from where I live.",
        ],
        "language": [
            "Nobody at the front desk spoke Spanish and there was no interpreter for my mother.",
            "The forms were only in English and my father had to guess what they were asking.",
            "They used my 12-year-old as the interpreter for my wife, which was not right.",
        ],
        "respect": [
            "The nurse was rude to me and did not listen when I said the pain was getting worse.",
            "I felt they treated me differently because I do not have insurance.",
            "The doctor did not take my concerns seriously and sent me home.",
        ],
        "paperwork": [
            "The application asked for documents I did not have, and they denied it twice.",
            "I spent hours on the phone trying to get a prior authorization approved.",
            "The paperwork to renew my son's CHIP coverage got lost and his coverage lapsed.",
        ],
        "prescriptions": [
            "The pharmacy said my insurance would not cover {med} anymore.",
            "I had to ration {med} for two weeks until I could pay for the refill.",
            "My prescription needed a new approval every month and the pharmacy kept running out.",
        ],
        "mental_health": [
            "I tried to find a therapist for my anxiety, but nobody near {city} was taking new patients.",
            "Mental health care is impossible to find if you cannot pay out of pocket.",
        ],
        "dental": [
            "I have needed a dentist for a broken tooth since {when}, but it costs too much.",
            "Dental care is not covered by my plan, so I just take pain pills.",
        ],
        "other": [
            "No problems this year, thankfully.",
            "It was hard during the winter storm when the clinic was closed.",
            "Nothing to add.",
            "The new clinic in town has made things easier.",
        ],
    },
    2: {
        "cost": [
            "La visita a la sala de emergencias me costó {money} aun con seguro, y ahora evito ir.",
            "No fui a la cita de seguimiento porque el copago era de {money} y ese mes no me alcanzaba.",
            "Dejamos pasar lo de mi esposo hasta que el dolor fue muy fuerte; la cuenta era más de lo que ganamos en una semana.",
            "Todo es muy caro; pagué {money} por una consulta de diez minutos.",
        ],
        "insurance": [
            "Perdí el Medicaid cuando hicieron las renovaciones y nadie me avisó hasta que llegué a la farmacia.",
            "En mi trabajo no dan seguro y el plan del Mercado de Seguros es muy caro para nosotros.",
            "La clínica donde iba desde hace años dejó de aceptar mi seguro en enero.",
            "No tengo aseguranza desde que cambié de trabajo, solo voy al doctor si es una emergencia.",
        ],
        "appointments": [
            "Necesitaba ver a {specialist} y la primera cita era en {wait}.",
            "Tardaron {wait} en darme cita con mi doctor, así que fui a una clínica de urgencias.",
            "Me cancelaron la cita varias veces y cada vez tenía que empezar de nuevo.",
            "La lista de espera para pacientes nuevos era de {wait}.",
        ],
        "transport": [
            "La clínica más cercana que acepta mi seguro está a {miles} millas y no tengo carro.",
            "Dependo de mi hija para que me lleve a {city}, y ella no siempre puede faltar al trabajo.",
            "No hay camión que llegue al hospital desde donde vivo.",
        ],
        "language": [
            "En la recepción nadie hablaba español y no había intérprete para mi mamá.",
            "Los formularios estaban solo en inglés y tuve que adivinar lo que preguntaban.",
            "Usaron a mi hijo de 12 años como intérprete, y eso no está bien.",
            "El doctor solo hablaba inglés y no entendí bien las instrucciones de la medicina.",
        ],
        "respect": [
            "La enfermera me trató mal y no me hizo caso cuando le dije que el dolor empeoraba.",
            "Sentí que me trataron diferente por no tener seguro.",
            "El doctor no tomó en serio lo que le dije y me mandó a la casa.",
        ],
        "paperwork": [
            "En la solicitud me pedían documentos que no tenía, y me la negaron dos veces.",
            "Pasé horas al teléfono para que aprobaran una autorización previa.",
            "Se perdieron los papeles para renovar el CHIP de mi hijo y se quedó sin cobertura.",
        ],
        "prescriptions": [
            "En la farmacia me dijeron que mi seguro ya no cubría {med}.",
            "Tuve que racionar {med} dos semanas hasta que pude pagar el resurtido.",
            "Mi receta necesitaba una aprobación nueva cada mes y en la farmacia siempre se acababa.",
        ],
        "mental_health": [
            "Busqué un terapeuta para mi ansiedad, pero nadie cerca de {city} aceptaba pacientes nuevos.",
            "Es imposible conseguir atención de salud mental si no puedes pagarla de tu bolsillo.",
        ],
        "dental": [
            "Necesito un dentista por una muela quebrada desde {when}, pero cuesta demasiado.",
            "Mi plan no cubre la atención dental, así que solo tomo pastillas para el dolor.",
        ],
        "other": [
            "Este año no tuve problemas, gracias a Dios.",
            "Fue difícil durante la tormenta de invierno, cuando la clínica estuvo cerrada.",
            "Nada más que agregar.",
            "La clínica nueva del pueblo nos ha facilitado las cosas.",
        ],
    },
}


def compose_account(r: dict, rng: np.random.Generator) -> str:
    """One to three sentences on the themes this respondent's answers make likely."""
    lang = r["lang"] if rng.random() < 0.95 else 3 - r["lang"]
    uninsured = r["has_insurance"] != 1
    w = {
        "cost": 1.0 + 1.5 * uninsured + 1.0 * any(r[c] == 1 for c in COST[:5]),
        "insurance": 0.6 + 1.2 * uninsured, "appointments": 1.2 + 0.8 * (r["needed_care"] == 1),
        "transport": 0.4 + 0.6 * (r["region"] in (4, 5)), "language": 0.15 + 1.2 * (r["lang"] == 2),
        "respect": 0.4, "paperwork": 0.4 + 0.4 * (r["insurance_type_4"] == 1),
        "prescriptions": 0.4 + 0.8 * (r["cost_barriers_2"] == 1), "mental_health": 0.2 + 0.8 * (r["cost_barriers_4"] == 1),
        "dental": 0.2 + 1.0 * (r["cost_barriers_3"] == 1), "other": 0.5 * (r["needed_care"] != 1) + 0.05,
    }
    names = list(w)
    first = choice(rng, names, [w[n] for n in names])
    second = choice(rng, names, [w[n] for n in names])
    n_sent = choice(rng, [1, 2, 3], [0.40, 0.42, 0.18]) if first != "other" else 1
    sentences: list[str] = []
    for i in range(n_sent):
        theme = first if i == 0 or rng.random() < 0.5 else second
        pool = [t for t in THEMES[lang][theme] if t not in sentences]
        if pool:
            sentences.append(pool[int(rng.integers(len(pool)))])
    fill = FILL[lang]
    return " ".join(s.format(**{k: v[int(rng.integers(len(v)))] for k, v in fill.items()}) for s in sentences)


# Planted personal data (language, account, [(type, string)]); every string must be
# redacted.  PHONE covers US and Mexican numbers (the study declares US and MX).
PLANTED = [
    (1, "They lost my file twice. My SSN is 123-45-6789 and the clerk still could not find me in the system.",
     [("SSN", "123-45-6789")]),
    (1, "I waited three weeks for a call back. You can call me at 212 555 0147, I moved here from New York in 2021.",
     [("PHONE", "212 555 0147")]),
    (1, "The clinic never called back about my results. Call me at 555-0188 after 6 pm.", [("PHONE", "555-0188")]),
    (1, "My name is Linda Whitaker and I have been trying to get an endocrinology appointment since 2022.",
     [("NAME", "Linda Whitaker")]),
    (1, "The Medicaid letter went to my old address. Please send it to 4512 Oak Hollow Dr, San Antonio, TX 78228.",
     [("ADDRESS", "4512 Oak Hollow Dr")]),
    (1, "I only get mail at PO Box 1187, Pharr, TX 78577, so I missed the renewal notice.",
     [("ADDRESS", "PO Box 1187")]),
    (1, "Email me at maria.garza77@example.com if you want the whole story about the $2,300 ER bill.",
     [("EMAIL", "maria.garza77@example.com")]),
    (1, "I gave them 452-71-9038 three times at the front desk and they still billed the wrong person.",
     [("SSN", "452-71-9038")]),
    (1, "My daughter's pediatrician is 45 miles away. Text me at (512)555-0165 if you need more details.",
     [("PHONE", "(512)555-0165")]),
    (1, "+1 214 555 0190 is my cell; nobody at the billing office ever returns calls.",
     [("PHONE", "+1 214 555 0190")]),
    (1, "I live at 1907 W Alabama St Apt 3 and the closest pharmacy that takes my plan closed in 2023.",
     [("ADDRESS", "1907 W Alabama St Apt 3")]),
    (1, "My social security number is 321 54 9876, they asked for it on every form and still denied me.",
     [("SSN", "321 54 9876")]),
    (1, "Write to r.nguyen@example.org; I am 64 and cannot get Medicare until next year.",
     [("EMAIL", "r.nguyen@example.org")]),
    (1, "Call Tom Becker at 713-555-0123, he is the only one at the county office who finally helped me.",
     [("NAME", "Tom Becker"), ("PHONE", "713-555-0123")]),
    (1, "My number is 210.555.0134 if you want to follow up; the urgent care charged me $450 for a strep test.",
     [("PHONE", "210.555.0134")]),
    (2, "Llame a José Pérez, él me ayudó con la solicitud de Medicaid cuando nadie más quiso.",
     [("NAME", "José Pérez")]),
    (2, "Me llamo Rosa María Villarreal y llevo dos años esperando una cita con el especialista.",
     [("NAME", "Rosa María Villarreal")]),
    (2, "Llámeme al (305) 555-0147, me mudé de Miami y aquí no encuentro clínica que acepte mi seguro.",
     [("PHONE", "(305) 555-0147")]),
    (2, "Mi número de seguro social es 234-56-7891 y aun así me dijeron que no aparecía en el sistema.",
     [("SSN", "234-56-7891")]),
    (2, "Escríbame a jlopez.tx@example.net, tengo las facturas de 2023 y de 2024.",
     [("EMAIL", "jlopez.tx@example.net")]),
    (2, "Mi dirección es 2231 E Cesar Chavez St, Austin, TX 78702, pero la carta de renovación nunca llegó.",
     [("ADDRESS", "2231 E Cesar Chavez St")]),
    (2, "Mándenme la información a mi P.O. Box 5521 en Eagle Pass, no recibo correo en la casa.",
     [("ADDRESS", "P.O. Box 5521")]),
    (2, "Mi celular es 956 555 0172, llámenme por favor, la clínica del condado cerró en 2022.",
     [("PHONE", "956 555 0172")]),
    (2, "Mi hermana en Monterrey me manda la insulina; su número es +52 81 1234 5678.",
     [("PHONE", "+52 81 1234 5678")]),
    (2, "El teléfono de mi primo en Monterrey es 81 8765 4321, él me consigue la medicina más barata.",
     [("PHONE", "81 8765 4321")]),
    (2, "Mi nombre es Guadalupe Treviño, tengo 58 años y no tengo seguro desde 2020.",
     [("NAME", "Guadalupe Treviño")]),
    (2, "Mi SSN 518224610 lo pusieron mal en la solicitud y me la negaron.", [("SSN", "518224610")]),
    (2, "Llame al 555-0193 y pregunte por mí, nadie en la clínica me quiere dar los resultados.",
     [("PHONE", "555-0193")]),
]
# Personal data in rows the quality rules exclude (a speeder, a break-off that never submitted).
PLANTED_EXCLUDED = [
    ("speeder", 1, "Call me at 832-555-0111, my name is Derek Olsen.",
     [("PHONE", "832-555-0111"), ("NAME", "Derek Olsen")]),
    ("incomplete", 2, "Me llamo Ana Lucía Cantú, mi correo es anacantu@example.com, escríbanme.",
     [("NAME", "Ana Lucía Cantú"), ("EMAIL", "anacantu@example.com")]),
]
# Look-alikes that are not personal data and must survive redaction: (language, account, [(type, string)]).
# Planted accounts above also carry some (years, prices, ages, a ZIP code in an address is not listed).
SURVIVE = [
    (1, "The ER bill was $1,250 and the payment plan is $85 a month.", [("PRICE", "$1,250"), ("PRICE", "$85")]),
    (1, "The bill said account 900-41-2277 and it took three calls to fix it.", [("SSN_SHAPED", "900-41-2277")]),
    (2, "La factura decía referencia 666-20-1234 y nadie me supo explicar el cobro.", [("SSN_SHAPED", "666-20-1234")]),
    (1, "The portal showed claim 000-12-3456 as denied with no reason.", [("SSN_SHAPED", "000-12-3456")]),
    (1, "There is no pediatric dentist anywhere near 78521, we drive 120 miles to Corpus.",
     [("ZIP_IN_PROSE", "78521"), ("COUNT", "120 miles")]),
    (2, "La clínica en el código postal 77506 cerró y ahora manejo 40 minutos.",
     [("ZIP_IN_PROSE", "77506"), ("COUNT", "40 minutos")]),
    (2, "Mi hijo tiene 7 años y esperamos desde marzo de 2023 una cita con el dentista.",
     [("AGE", "7 años"), ("YEAR", "marzo de 2023")]),
    (1, "I am 64 years old and pay $612 a month for a Marketplace plan with a $7,500 deductible.",
     [("AGE", "64 years old"), ("PRICE", "$612"), ("PRICE", "$7,500")]),
    (2, "En 2021 pagué 3,400 dólares por una cirugía y todavía debo 1,150.",
     [("YEAR", "En 2021"), ("PRICE", "3,400 dólares"), ("PRICE", "1,150")]),
    (1, "The appointment was on 03/15/2024 at 10:30 and I waited 3 hours.",
     [("DATE", "03/15/2024"), ("TIME", "10:30")]),
    (1, "In 2019 my insulin cost $35, now it is $98 for the same 10 mL vial.",
     [("YEAR", "In 2019"), ("PRICE", "$35"), ("PRICE", "$98")]),
    (2, "- Esperé 5 horas en emergencias - me cobraron 2,160 dólares - nadie me explicó nada.",
     [("PRICE", "2,160 dólares")]),
]


# --------------------------------------------------------------------------- times and codes

def start_time(rng: np.random.Generator) -> datetime:
    """Start (aware, Central time) in the field period: letter, postcard and second-letter peaks."""
    days = np.arange(FIELD_DAYS)
    w = (np.exp(-days / 5.0) + 0.7 * np.exp(-(((days - 8) / 2.0) ** 2))
         + 0.5 * np.exp(-(((days - 22) / 2.5) ** 2)) + 0.05)
    day = int(rng.choice(days, p=w / w.sum()))
    hours = np.arange(24)
    hw = np.where((hours >= 7) & (hours <= 22), 1.0, 0.05) + 0.8 * ((hours >= 18) & (hours <= 21))
    hour = int(rng.choice(hours, p=hw / hw.sum()))
    local = datetime(2024, 3, 4) + timedelta(days=day, hours=hour, seconds=int(rng.integers(0, 3600)))
    return local.replace(tzinfo=ZONE)


def duration(rng: np.random.Generator) -> int:
    """Seconds to complete: lognormal around 10 minutes, none under half the median, a few idle tabs."""
    while (secs := rng.lognormal(math.log(MEDIAN_SECONDS), 0.38)) < 0.5 * MEDIAN_SECONDS:
        pass
    if rng.random() < 0.015:
        secs = rng.uniform(1800, 10800)
    return round(secs)


def utc(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def access_codes(n: int, rng: np.random.Generator) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        code = "".join(CODE_ALPHABET[int(i)] for i in rng.integers(0, len(CODE_ALPHABET), 8))
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out


# --------------------------------------------------------------------------- assembly

def tag(r: dict, kind: str, type_: str, column: str, value: str, expected: str, note: str = "",
        language: str = "") -> None:
    r["_tags"].append((kind, type_, column, value, expected, language, note))


def plant_texts(valid: list[dict], rng: np.random.Generator) -> set[int]:
    """Put the planted accounts on valid respondents of the account's language; returns their rows."""
    taken: set[int] = set()
    for entries, kind, expected in ((PLANTED, "personal_data", "redact"), (SURVIVE, "must_survive", "keep")):
        for lang, text, strings in entries:
            writers = [i for i, r in enumerate(valid) if r["lang"] == lang and r["difficulty_account"] and i not in taken]
            i = writers[int(rng.integers(len(writers)))]
            valid[i]["difficulty_account"] = text
            taken.add(i)
            for type_, s in strings:
                tag(valid[i], kind, type_, "difficulty_account", s, expected, language=LANG_CODES[lang])
    return taken


def plant_skips(valid: list[dict], rng: np.random.Generator, taken: set[int]) -> set[int]:
    """Answers to questions the filter did not ask (the respondent paged back and changed the filter)."""
    used: set[int] = set()
    for question, filt, value in SKIP_VIOLATIONS:
        pool = [i for i, r in enumerate(valid) if r[filt] == value and i not in taken | used
                and (question != "usual_place_other" or not r["usual_place_other"])]
        i = pool[int(rng.integers(len(pool)))]
        r = valid[i]
        if question == "usual_place":
            r["usual_place"] = choice(rng, [1, 2, 3, 4], [0.4, 0.3, 0.2, 0.1])
            shown = str(r["usual_place"])
        elif question == "insurance_type":
            r.update(dict(zip(INSURANCE, [0] * 6)))
            r[choice(rng, ["insurance_type_4", "insurance_type_1", "insurance_type_2"], [0.5, 0.3, 0.2])] = 1
            shown = ";".join(c for c in INSURANCE if r[c] == 1)
        else:
            r["usual_place_other"] = ["The county clinic on Main Street", "La clínica del condado"][r["lang"] - 1]
            shown = r["usual_place_other"]
        tag(r, "skip_violation", "", question, shown, "blank", f"{filt}={value}")
        used.add(i)
    return used


def generate(seed: int = DEFAULT_SEED) -> tuple[list[list[str]], list[list[str]], dict]:
    """Rows of the raw file and of the planted listing (strings, header first), and a summary."""
    rng = np.random.default_rng(seed)
    valid = [person(rng) for _ in range(N_VALID)]
    for r in valid:
        r["_reason"] = ""
    taken = plant_texts(valid, rng)
    taken |= plant_skips(valid, rng, taken)

    def invalid(reason: str, **kwargs) -> dict:
        r = person(rng, **kwargs)
        r["_reason"] = reason
        return r

    breakoffs = [invalid("incomplete") for _ in range(N_BREAKOFF)]
    stops = rng.integers(0, len(PAGES), size=N_BREAKOFF)
    spanish = [j for j, r in enumerate(breakoffs) if r["lang"] == 2] or [0]
    planted_breakoff = spanish[0]
    breakoffs[planted_breakoff]["lang"] = 2
    stops[planted_breakoff] = len(PAGES) - 1  # answered everything but the background page
    for r, stop in zip(breakoffs, stops.tolist()):
        r["_submitted"] = False
        r["_stop"] = stop
        for page in PAGES[stop:]:
            for col in page:
                r[col] = "" if col in TEXT_COLUMNS else None
        tag(r, "incomplete", "not_submitted", PAGES[stop][0], "", "exclude:incomplete", "answers stop here")
    required_blank = []
    for question in REQUIRED_BLANK:
        r = invalid("incomplete")
        if question == "insurance_type":
            r["has_insurance"] = 1
            r.update(dict(zip(INSURANCE, [0] * 6)))
            r["has_insurance_comment"] = ""
        elif question == "cost_barriers":
            r.update(dict(zip(COST, [0] * 6)))
        else:
            r[question] = None
        tag(r, "incomplete", "required_blank", question, "", "exclude:incomplete")
        required_blank.append(r)
    out_of_range = []
    for col, bad in OUT_OF_RANGE:
        r = invalid("out_of_range")
        if col.startswith("cost_barriers_"):
            r.update(dict(zip(COST, [1, 0, 0, 0, 0, 0])))
        r[col] = bad
        tag(r, "out_of_range", "", col, str(bad), "exclude:out_of_range")
        out_of_range.append(r)
    minors = []
    for age in MINOR_AGES:
        r = invalid("out_of_scope")
        r["age"] = age
        r["education"] = 1
        tag(r, "out_of_scope", "", "age", str(age), "exclude:out_of_scope")
        minors.append(r)
    exclusive = []
    for _ in range(N_EXCLUSIVE):
        r = invalid("exclusive_violation")
        ticks = [0] * 5
        for j in rng.choice(5, size=int(rng.integers(1, 3)), replace=False):
            ticks[int(j)] = 1
        r.update(dict(zip(COST, ticks + [1])))
        tag(r, "exclusive_violation", "", "cost_barriers",
            ";".join(c for c in COST if r[c] == 1), "exclude:exclusive_violation")
        exclusive.append(r)
    straight = []
    for value in STRAIGHT:
        r = invalid("straightliner")
        r.update(dict(zip(GRID, [value] * 4)))
        tag(r, "straightliner", "", "access", str(value), "exclude:straightliner")
        straight.append(r)
    speeders = [invalid("speeder") for _ in range(N_SPEEDER)]
    for r in speeders:
        r["_seconds"] = int(rng.integers(70, 171))
        tag(r, "speeder", "", "", f"{r['_seconds']}s", "exclude:speeder")
    for reason, lang, text, strings in PLANTED_EXCLUDED:
        group = speeders if reason == "speeder" else breakoffs
        r = breakoffs[planted_breakoff] if reason == "incomplete" else next(g for g in group if g["lang"] == lang)
        r["difficulty_account"] = text
        for type_, s in strings:
            tag(r, "personal_data", type_, "difficulty_account", s, "redact", f"excluded row ({reason})",
                LANG_CODES[lang])

    rows = valid + breakoffs + required_blank + out_of_range + minors + exclusive + straight + speeders
    for r in rows:
        r.setdefault("_submitted", True)
        r["_start"] = start_time(rng)
        r["_seconds"] = r.get("_seconds") or duration(rng)
    for r in straight:  # straight-liners hurry, but not to speeder level
        r["_seconds"] = max(int(r["_seconds"] * 0.6), 320)

    codes = access_codes(len(rows), rng)
    for r, code in zip(rows, codes):
        r["access_code"] = code
    # Two adults of one household answering with the same letter's code.
    free = [i for i in range(N_VALID) if i not in taken]
    pairs = rng.choice(free, size=2 * N_HOUSEHOLD_PAIRS, replace=False)
    for a, b in zip(pairs[:N_HOUSEHOLD_PAIRS], pairs[N_HOUSEHOLD_PAIRS:]):
        valid[int(b)]["access_code"] = valid[int(a)]["access_code"]
        valid[int(b)]["region"] = valid[int(a)]["region"]
        valid[int(b)]["household_size"] = max(valid[int(a)]["household_size"], 2)
        valid[int(a)]["household_size"] = valid[int(b)]["household_size"]
        taken |= {int(a), int(b)}
    # Break-offs that came back later with the same code and completed.
    later = [i for i in range(N_VALID) if i not in taken and valid[i]["_start"] > FIELD_START + timedelta(days=4)]
    for r, i in zip(breakoffs[:N_RETRIES], rng.choice(later, size=N_RETRIES, replace=False)):
        r["access_code"] = valid[int(i)]["access_code"]
        r["_start"] = valid[int(i)]["_start"] - timedelta(hours=int(rng.integers(2, 72)))
        taken.add(int(i))

    # Repeat submissions of valid rows: same code and answers, minutes to days later.
    last = FIELD_START + timedelta(days=FIELD_DAYS - 5)
    eligible = [i for i in range(N_VALID) if i not in taken and valid[i]["_start"] < last]
    duplicates = []
    for i in rng.choice(eligible, size=N_DUPLICATE, replace=False):
        orig = valid[int(i)]
        d = {k: v for k, v in orig.items() if not k.startswith("_")}
        d["_tags"], d["_reason"], d["_submitted"] = [], "duplicate", True
        submitted = orig["_start"] + timedelta(seconds=orig["_seconds"])
        d["_start"] = submitted + timedelta(seconds=int(rng.integers(120, 4 * 86400)))
        d["_seconds"] = duration(rng)
        d["_original"] = orig
        duplicates.append(d)
    rows += duplicates

    # Respondent ids in order of starting; the export lists rows in id order.
    order = sorted(range(len(rows)), key=lambda k: (rows[k]["_start"], k))
    for n, k in enumerate(order, start=1):
        rows[k]["respondent_id"] = f"H{n:05d}"
    for d in duplicates:
        tag(d, "duplicate", "", "access_code", d["_original"]["respondent_id"], "exclude:duplicate",
            "same access code and answers as the original")
    table, listing = [COLUMNS], [["kind", "type", "respondent_id", "column", "value", "expected", "language", "note"]]
    for k in order:
        r = rows[k]
        r["start_time"] = utc(r["_start"])
        r["submit_time"] = utc(r["_start"] + timedelta(seconds=r["_seconds"])) if r["_submitted"] else ""
        table.append([cell(r[c]) for c in COLUMNS])
        for t in r["_tags"]:
            listing.append([t[0], t[1], r["respondent_id"], *t[2:]])
    head, body = listing[0], sorted(listing[1:], key=lambda row: (KIND_ORDER.index(row[0]), row[2], row[3], row[4]))
    summary = {
        "seed": seed,
        "n_raw": len(rows),
        "reasons": {reason: sum(r["_reason"] == reason for r in rows) for reason in REASONS},
        "rows": [rows[k] for k in order],
    }
    return table, [head] + body, summary


REASONS = ["", "incomplete", "out_of_range", "out_of_scope", "exclusive_violation", "straightliner",
           "speeder", "duplicate"]
KIND_ORDER = ["incomplete", "out_of_range", "out_of_scope", "exclusive_violation", "straightliner", "speeder",
              "duplicate", "skip_violation", "personal_data", "must_survive"]


def cell(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(int(value))


# --------------------------------------------------------------------------- self-check

def check(table: list[list[str]], listing: list[list[str]], summary: dict) -> None:
    """Check what the generator promises: unambiguous speeders, planted strings in the file."""
    rows = summary["rows"]
    pool = [(r["_seconds"], r["_reason"]) for r in rows if r["_reason"] in ("", "speeder", "duplicate")]
    median = float(np.median([s for s, _ in pool]))
    fast = max(s for s, reason in pool if reason == "speeder")
    slow = min(s for s, reason in pool if reason != "speeder")
    if not (fast < 0.28 * median and slow > 0.32 * median):
        raise RuntimeError(f"speeders not unambiguous: fastest normal {slow}s, slowest speeder {fast}s, median {median}s")
    summary["median_seconds"] = median
    body = to_csv(table)
    missing = [row[4] for row in listing[1:] if row[0] in ("personal_data", "must_survive") and row[4] not in body]
    if missing:
        raise RuntimeError(f"planted strings not in the file: {missing}")
    ids = [row[0] for row in table[1:]]
    cross = {(r["sex"], r["health_rating"]) for r in rows if r["_reason"] == ""}
    if not {(1, 10), (2, 0)} <= cross:
        raise RuntimeError("no valid 'Male x 10' and 'Female x 0': the cross-code check has nothing to check")
    if len(set(ids)) != len(ids):
        raise RuntimeError("respondent ids are not unique")


def to_csv(table: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(table)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the synthetic raw file of the health-2024 example study.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output CSV (default {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--planted", type=Path, default=None,
                        help="listing of the planted cases (default: health-2024-planted.csv next to --out)")
    args = parser.parse_args(argv)
    table, listing, summary = generate(args.seed)
    check(table, listing, summary)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(to_csv(table).encode("utf-8"))
    planted = args.planted or args.out.parent / "health-2024-planted.csv"
    planted.write_bytes(to_csv(listing).encode("utf-8"))
    print(f"wrote {args.out}: {summary['n_raw']} rows, seed {summary['seed']}, "
          f"median duration {summary['median_seconds']:.0f}s; {planted}: {len(listing) - 1} planted cases")
    print("rows by reason: " + ", ".join(f"{r or 'valid'}={c}" for r, c in summary["reasons"].items()))
    counts: dict[tuple[str, str], int] = {}
    for row in listing[1:]:
        counts[(row[0], row[1])] = counts.get((row[0], row[1]), 0) + 1
    print("planted: " + ", ".join(f"{k}{'/' + t if t else ''}={c}" for (k, t), c in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
