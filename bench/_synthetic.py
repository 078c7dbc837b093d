# SPDX-License-Identifier: Apache-2.0
"""Synthetic venues spread over France like real ones, deterministic from a seed.

~70 % clustered around 100 cities (weighted by urban-area population, spread
growing with the city's size), ~28 % rural background over mainland France and
Corsica, ~2 % overseas (Réunion, Guadeloupe, Martinique, Guyane).
Rows are plain dicts with the ``venue`` table's columns, plus ``venue_term``
rows, ready for a bulk insert.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from directory.schema import Frais, Itinerance, Service, Typologie

__all__ = ["CITIES", "OVERSEAS", "generate", "sample_points"]

#: (name, postcode prefix, lat, lon, urban-area population in thousands)
CITIES: list[tuple[str, str, float, float, float]] = [
    ("Paris", "75", 48.8566, 2.3522, 10800),
    ("Lyon", "69", 45.7640, 4.8357, 2300),
    ("Marseille", "13", 43.2965, 5.3698, 1900),
    ("Toulouse", "31", 43.6047, 1.4442, 1450),
    ("Lille", "59", 50.6292, 3.0573, 1500),
    ("Bordeaux", "33", 44.8378, -0.5792, 1360),
    ("Nice", "06", 43.7102, 7.2620, 1000),
    ("Nantes", "44", 47.2184, -1.5536, 1000),
    ("Strasbourg", "67", 48.5734, 7.7521, 860),
    ("Montpellier", "34", 43.6108, 3.8767, 810),
    ("Rennes", "35", 48.1173, -1.6778, 760),
    ("Grenoble", "38", 45.1885, 5.7245, 720),
    ("Rouen", "76", 49.4432, 1.0999, 710),
    ("Toulon", "83", 43.1242, 5.9280, 640),
    ("Douai", "59", 50.3714, 3.0800, 540),
    ("Nancy", "54", 48.6921, 6.1844, 510),
    ("Saint-Étienne", "42", 45.4397, 4.3872, 530),
    ("Tours", "37", 47.3941, 0.6848, 520),
    ("Clermont-Ferrand", "63", 45.7772, 3.0870, 510),
    ("Avignon", "84", 43.9493, 4.8055, 530),
    ("Orléans", "45", 47.9030, 1.9093, 450),
    ("Angers", "49", 47.4784, -0.5632, 440),
    ("Dijon", "21", 47.3220, 5.0415, 390),
    ("Metz", "57", 49.1193, 6.1757, 390),
    ("Caen", "14", 49.1829, -0.3707, 470),
    ("Brest", "29", 48.3904, -4.4861, 320),
    ("Le Mans", "72", 48.0061, 0.1996, 350),
    ("Reims", "51", 49.2583, 4.0317, 330),
    ("Mulhouse", "68", 47.7508, 7.3359, 290),
    ("Perpignan", "66", 42.6887, 2.8948, 330),
    ("Amiens", "80", 49.8941, 2.2958, 300),
    ("Limoges", "87", 45.8336, 1.2611, 300),
    ("Besançon", "25", 47.2378, 6.0241, 280),
    ("Nîmes", "30", 43.8367, 4.3601, 280),
    ("Pau", "64", 43.2951, -0.3708, 240),
    ("Bayonne", "64", 43.4929, -1.4748, 310),
    ("Annecy", "74", 45.8992, 6.1294, 290),
    ("Poitiers", "86", 46.5802, 0.3404, 270),
    ("Valenciennes", "59", 50.3570, 3.5235, 360),
    ("Lens", "62", 50.4329, 2.8276, 500),
    ("Dunkerque", "59", 51.0344, 2.3768, 260),
    ("Le Havre", "76", 49.4944, 0.1079, 290),
    ("La Rochelle", "17", 46.1603, -1.1511, 220),
    ("Lorient", "56", 47.7482, -3.3702, 230),
    ("Béthune", "62", 50.5303, 2.6407, 360),
    ("Saint-Nazaire", "44", 47.2735, -2.2138, 220),
    ("Chambéry", "73", 45.5646, 5.9178, 230),
    ("Troyes", "10", 48.2973, 4.0744, 200),
    ("Angoulême", "16", 45.6484, 0.1562, 180),
    ("Valence", "26", 44.9334, 4.8924, 190),
    ("Montbéliard", "25", 47.5100, 6.7983, 150),
    ("Niort", "79", 46.3237, -0.4588, 160),
    ("Vannes", "56", 47.6582, -2.7608, 170),
    ("Saint-Brieuc", "22", 48.5136, -2.7653, 150),
    ("Quimper", "29", 47.9960, -4.1024, 130),
    ("Colmar", "68", 48.0794, 7.3585, 150),
    ("Chartres", "28", 48.4439, 1.4890, 140),
    ("Bourges", "18", 47.0810, 2.3988, 140),
    ("Calais", "62", 50.9513, 1.8587, 130),
    ("Boulogne-sur-Mer", "62", 50.7264, 1.6147, 130),
    ("Béziers", "34", 43.3442, 3.2158, 170),
    ("Cannes", "06", 43.5528, 7.0174, 390),
    ("Fréjus", "83", 43.4332, 6.7370, 120),
    ("Arras", "62", 50.2910, 2.7775, 130),
    ("Saint-Quentin", "02", 49.8465, 3.2876, 110),
    ("Blois", "41", 47.5861, 1.3359, 120),
    ("Châteauroux", "36", 46.8103, 1.6913, 90),
    ("Nevers", "58", 46.9908, 3.1590, 90),
    ("Auxerre", "89", 47.7982, 3.5673, 90),
    ("Mâcon", "71", 46.3069, 4.8287, 90),
    ("Chalon-sur-Saône", "71", 46.7806, 4.8539, 130),
    ("Bourg-en-Bresse", "01", 46.2052, 5.2255, 120),
    ("Roanne", "42", 46.0360, 4.0683, 100),
    ("Vichy", "03", 46.1277, 3.4260, 80),
    ("Montluçon", "03", 46.3406, 2.6036, 80),
    ("Brive-la-Gaillarde", "19", 45.1589, 1.5331, 100),
    ("Périgueux", "24", 45.1840, 0.7210, 100),
    ("Agen", "47", 44.2033, 0.6163, 110),
    ("Montauban", "82", 44.0176, 1.3550, 120),
    ("Albi", "81", 43.9289, 2.1464, 100),
    ("Rodez", "12", 44.3506, 2.5750, 70),
    ("Tarbes", "65", 43.2328, 0.0781, 120),
    ("Carcassonne", "11", 43.2130, 2.3491, 90),
    ("Narbonne", "11", 43.1839, 3.0042, 90),
    ("Ajaccio", "20", 41.9192, 8.7386, 85),
    ("Bastia", "20", 42.6973, 9.4509, 75),
    ("Gap", "05", 44.5594, 6.0786, 50),
    ("Digne-les-Bains", "04", 44.0925, 6.2356, 30),
    ("Épinal", "88", 48.1724, 6.4496, 80),
    ("Belfort", "90", 47.6380, 6.8628, 100),
    ("Charleville-Mézières", "08", 49.7620, 4.7263, 100),
    ("Laval", "53", 48.0707, -0.7734, 100),
    ("Cholet", "49", 47.0600, -0.8783, 80),
    ("La Roche-sur-Yon", "85", 46.6705, -1.4260, 110),
    ("Évreux", "27", 49.0241, 1.1508, 110),
    ("Beauvais", "60", 49.4295, 2.0807, 100),
    ("Compiègne", "60", 49.4179, 2.8261, 110),
    ("Alès", "30", 44.1250, 4.0817, 90),
    ("Saint-Malo", "35", 48.6493, -2.0257, 90),
    ("Cherbourg-en-Cotentin", "50", 49.6337, -1.6222, 110),
    ("Aurillac", "15", 44.9264, 2.4397, 50),
    ("Guéret", "23", 46.1710, 1.8715, 30),
    ("Mende", "48", 44.5181, 3.5010, 20),
    ("Cahors", "46", 44.4475, 1.4419, 40),
]

#: (name, postcode prefix, lat, lon, spread km, population in thousands)
OVERSEAS: list[tuple[str, str, float, float, float, float]] = [
    ("Saint-Denis", "974", -21.05, 55.50, 22.0, 870),
    ("Pointe-à-Pitre", "971", 16.22, -61.55, 14.0, 380),
    ("Fort-de-France", "972", 14.65, -61.02, 12.0, 350),
    ("Cayenne", "973", 4.93, -52.33, 20.0, 290),
]

# A coarse outline of mainland France (lon, lat), good enough for a background.
_MAINLAND = [
    (2.55, 51.09),
    (4.2, 49.95),
    (4.85, 50.15),
    (5.9, 49.5),
    (6.4, 49.47),
    (8.2, 48.97),
    (7.55, 47.6),
    (6.95, 47.45),
    (6.1, 46.15),
    (6.85, 46.0),
    (7.05, 45.2),
    (6.65, 44.6),
    (7.0, 44.2),
    (7.5, 43.8),
    (6.5, 43.15),
    (5.0, 43.35),
    (4.2, 43.45),
    (3.0, 42.9),
    (3.17, 42.43),
    (1.7, 42.5),
    (0.7, 42.8),
    (-1.78, 43.35),
    (-1.25, 44.6),
    (-1.2, 45.7),
    (-2.2, 47.15),
    (-4.4, 47.8),
    (-4.8, 48.4),
    (-3.5, 48.85),
    (-1.6, 48.65),
    (-1.95, 49.7),
    (-1.25, 49.7),
    (0.2, 49.45),
    (1.6, 50.2),
    (1.6, 50.9),
]

_KM_PER_DEG = 111.195
_CITY_SHARE, _RURAL_SHARE = 0.70, 0.28  # the rest is overseas

_SERVICES = [
    (Service.DEMARCHES, 55),
    (Service.OUTILS_QUOTIDIEN, 60),
    (Service.ACCES_INTERNET, 40),
    (Service.INSERTION_PRO, 25),
    (Service.SECURITE, 20),
    (Service.PARENTALITE, 12),
    (Service.LOISIRS, 15),
    (Service.COMPREHENSION, 18),
    (Service.MATERIEL_SOLIDAIRE, 5),
]
_KINDS = [  # (name pattern, typologie, weight)
    ("Médiathèque {place}", Typologie.BIB, 14),
    ("Espace France Services de {commune}", Typologie.RFS, 10),
    ("Centre social {place}", Typologie.CS, 12),
    ("Espace Public Numérique {place}", Typologie.EPN, 10),
    ("Mairie de {commune}", Typologie.MUNI, 12),
    ("Maison de quartier {place}", Typologie.MQ, 6),
    ("CCAS de {commune}", Typologie.CCAS, 6),
    ("Association {place} Numérique", Typologie.ASSO, 14),
    ("Tiers-lieu {place}", Typologie.TIERS_LIEUX, 5),
    ("Mission Locale de {commune}", Typologie.ML, 5),
    ("Fablab {place}", Typologie.FABLAB, 3),
    ("Maison des jeunes et de la culture {place}", Typologie.MJC, 3),
]
_PLACES = [
    "Victor Hugo",
    "Jean Jaurès",
    "Louise Michel",
    "les Tilleuls",
    "du Centre",
    "des Lilas",
    "Simone Veil",
    "Jules Ferry",
    "Pablo Picasso",
    "la Fontaine",
    "du Parc",
    "Aimé Césaire",
    "Marie Curie",
    "Saint-Exupéry",
    "les Capucins",
    "de la Gare",
    "Albert Camus",
    "George Sand",
]
_STREETS = ["rue", "avenue", "place", "boulevard", "chemin", "allée"]
_SYLLABLES = ["bel", "mont", "ville", "saint", "cour", "la", "ro", "ne", "var", "ber", "gny", "lac", "ci", "mar"]
_FRAIS = (Frais.GRATUIT, Frais.GRATUIT_SOUS_CONDITION, Frais.PAYANT)
_DATE = date(2026, 1, 15)
_AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _inside(lon: float, lat: float, poly: list[tuple[float, float]]) -> bool:
    inside = False
    j = len(poly) - 1
    for i, (xi, yi) in enumerate(poly):
        xj, yj = poly[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _offset(rng: random.Random, lat: float, lon: float, sigma_km: float) -> tuple[float, float]:
    """A point around (lat, lon), 2-D normal with ``sigma_km`` on each axis."""
    dy, dx = rng.gauss(0, sigma_km), rng.gauss(0, sigma_km)
    return lat + dy / _KM_PER_DEG, lon + dx / (_KM_PER_DEG * math.cos(math.radians(lat)))


def _city_sigma_km(population_k: float) -> float:
    return 1.5 + 1.3 * math.sqrt(population_k / 100)


class _Places:
    """Draws points: a city cluster, the rural background or overseas."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.city_cum = list(itertools.accumulate(c[4] for c in CITIES))
        self.overseas_cum = list(itertools.accumulate(o[5] for o in OVERSEAS))

    def draw(self) -> tuple[float, float, str, str]:
        """(lat, lon, commune, postcode prefix)."""
        rng = self.rng
        u = rng.random()
        if u < _CITY_SHARE:
            name, dept, lat, lon, pop = rng.choices(CITIES, cum_weights=self.city_cum)[0]
            plat, plon = _offset(rng, lat, lon, _city_sigma_km(pop))
            far = abs(plat - lat) * _KM_PER_DEG > 1.5 * _city_sigma_km(pop)
            return plat, plon, (self._village() if far else name), dept
        if u < _CITY_SHARE + _RURAL_SHARE:
            return self._rural()
        name, dept, lat, lon, spread, _pop = rng.choices(OVERSEAS, cum_weights=self.overseas_cum)[0]
        plat, plon = _offset(rng, lat, lon, spread / 2)
        return plat, plon, name, dept

    def _rural(self) -> tuple[float, float, str, str]:
        rng = self.rng
        if rng.random() < 0.012:  # Corsica
            lat, lon = rng.uniform(41.45, 42.95), rng.uniform(8.65, 9.5)
            return lat, lon, self._village(), "20"
        while True:
            lat, lon = rng.uniform(42.4, 51.1), rng.uniform(-4.8, 8.25)
            if _inside(lon, lat, _MAINLAND):
                break
        nearest = min(CITIES, key=lambda c: (c[2] - lat) ** 2 + ((c[3] - lon) * 0.7) ** 2)
        return lat, lon, self._village(), nearest[1]

    def _village(self) -> str:
        rng = self.rng
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        return word.capitalize() + rng.choice(["", "", "-sur-Loire", "-le-Château", "-en-Bresse", "-les-Bains"])


def _postcode(rng: random.Random, prefix: str) -> str:
    width = 5 - len(prefix)
    return prefix + f"{rng.randrange(10**width):0{width}d}"


def _venue_id(bits: int) -> str:
    chars = []
    for _ in range(10):
        chars.append(_ALPHABET[bits & 31])
        bits >>= 5
    return "l" + "".join(chars)


def generate(n: int, seed: int) -> Iterator[tuple[dict[str, Any], list[tuple[str, str]]]]:
    """``n`` venues: (venue row without ``pk``, [(field, code), …] for ``venue_term``)."""
    rng = random.Random(seed)
    places = _Places(rng)
    services = [s.code for s, _w in _SERVICES]
    service_cum = list(itertools.accumulate(w for _s, w in _SERVICES))
    kinds = [(pattern, typologie.code) for pattern, typologie, _w in _KINDS]
    kind_cum = list(itertools.accumulate(k[2] for k in _KINDS))
    frais_codes = [f.code for f in _FRAIS]
    itinerant, fixe = Itinerance.ITINERANT.code, Itinerance.FIXE.code
    seen: set[str] = set()
    for _ in range(n):
        lat, lon, commune, dept = places.draw()
        pattern, typologie = rng.choices(kinds, cum_weights=kind_cum)[0]
        chosen: list[str] = []
        for _ in range(rng.choices((1, 2, 3, 4), cum_weights=(35, 70, 90, 100))[0]):
            s = rng.choices(services, cum_weights=service_cum)[0]
            if s not in chosen:
                chosen.append(s)
        frais = [rng.choices(frais_codes, cum_weights=(70, 85, 100))[0]]
        itinerance = [itinerant if rng.random() < 0.04 else fixe]
        while True:
            venue_id = _venue_id(rng.getrandbits(50))
            if venue_id not in seen:
                seen.add(venue_id)
                break
        postcode = _postcode(rng, dept)
        row = {
            "id": venue_id,
            "status": "active",
            "merged_into": None,
            "pivot": f"{rng.randrange(10**14):014d}" if rng.random() < 0.6 else "00000000000000",
            "nom": pattern.format(place=rng.choice(_PLACES), commune=commune),
            "commune": commune,
            "code_postal": postcode,
            "code_insee": None,
            "adresse": f"{rng.randint(1, 180)} {rng.choice(_STREETS)} {rng.choice(_PLACES)}",
            "complement_adresse": None,
            "latitude": round(lat, 6),
            "longitude": round(lon, 6),
            "typologie": [typologie],
            "telephone": None,
            "courriels": [],
            "site_web": [],
            "horaires": "Mo-Fr 09:00-12:00,14:00-17:30" if rng.random() < 0.7 else None,
            "presentation_resume": f"Accompagnement au numérique à {commune}.",
            "presentation_detail": None,
            "source": "bench",
            "itinerance": itinerance,
            "structure_parente": None,
            "date_maj": _DATE,
            "services": chosen,
            "publics_specifiquement_adresses": [],
            "prise_en_charge_specifique": [],
            "frais_a_charge": frais,
            "conditions_frais": [],
            "dispositif_programmes_nationaux": [],
            "formations_labels": [],
            "autres_formations_labels": None,
            "modalites_acces": [],
            "modalites_accompagnement": [],
            "fiche_acces_libre": None,
            "prise_rdv": None,
            "flags": None,
            "created_at": _AT,
            "updated_at": _AT,
        }
        terms = (
            [("typologie", typologie), ("itinerance", itinerance[0])]
            + [("services", code) for code in chosen]
            + [("frais_a_charge", frais[0])]
        )
        yield row, terms


def sample_points(n: int, seed: int) -> list[tuple[float, float]]:
    """Query points weighted like the data (another random stream than the venues)."""
    places = _Places(random.Random(f"queries-{seed}"))
    return [places.draw()[:2] for _ in range(n)]
