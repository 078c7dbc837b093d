# SPDX-License-Identifier: Apache-2.0
"""Vocabularies of the national standard v1.0.2 (and one extension).

Labels are the exact strings of the Table Schema patterns
(``reference/national-standard.schema.json``); aliases are the spellings met
in the schema's own descriptions and in real files.
"""

from __future__ import annotations

from ._vocabulary import Vocabulary

__all__ = [
    "Itinerance",
    "Service",
    "Public",
    "PriseEnCharge",
    "Frais",
    "ConditionFrais",
    "DispositifProgramme",
    "FormationLabel",
    "ModaliteAcces",
    "ModaliteAccompagnement",
    "Typologie",
    "LIST_VOCABULARIES",
    "LIST_FIELDS",
    "TEXT_LIST_FIELDS",
]


class Itinerance(Vocabulary):
    """Itinérance"""

    ITINERANT = "itinerant", "Itinérant"
    FIXE = "fixe", "Fixe"


class Service(Vocabulary):
    """Services"""

    DEMARCHES = "aide-aux-demarches-administratives", "Aide aux démarches administratives"
    OUTILS_QUOTIDIEN = "maitrise-des-outils-numeriques-du-quotidien", "Maîtrise des outils numériques du quotidien"
    INSERTION_PRO = "insertion-professionnelle-via-le-numerique", "Insertion professionnelle via le numérique"
    SECURITE = "utilisation-securisee-du-numerique", "Utilisation sécurisée du numérique"
    PARENTALITE = "parentalite-et-education-avec-le-numerique", "Parentalité et éducation avec le numérique"
    LOISIRS = "loisirs-et-creations-numeriques", "Loisirs et créations numériques"
    COMPREHENSION = "comprehension-du-monde-numerique", "Compréhension du monde numérique"
    ACCES_INTERNET = "acces-internet-et-materiel-informatique", "Accès internet et matériel informatique"
    MATERIEL_SOLIDAIRE = (
        "acquisition-de-materiel-informatique-a-prix-solidaire",
        "Acquisition de matériel informatique à prix solidaire",
    )


class Public(Vocabulary):
    """Publics spécifiquement adressés"""

    JEUNES = "jeunes", "Jeunes"
    ETUDIANTS = "etudiants", "Étudiants"
    FAMILLES = "familles-enfants", "Familles et/ou enfants"
    SENIORS = "seniors", "Seniors"
    FEMMES = "femmes", "Femmes"


class PriseEnCharge(Vocabulary):
    """Prise en charge spécifique"""

    SURDITE = "surdite", "Surdité"
    HANDICAPS_MOTEURS = "handicaps-moteurs", "Handicaps moteurs"
    HANDICAPS_MENTAUX = "handicaps-mentaux", "Handicaps mentaux"
    ILLETTRISME = "illettrisme", "Illettrisme"
    ANGLAIS = "langues-etrangeres-anglais", "Langues étrangères (anglais)"
    AUTRES_LANGUES = "langues-etrangeres-autres", "Langues étrangères (autres)"
    DEFICIENCE_VISUELLE = "deficience-visuelle", "Déficience visuelle"


class Frais(Vocabulary):
    """Frais à charge"""

    GRATUIT = "gratuit", "Gratuit"
    GRATUIT_SOUS_CONDITION = "gratuit-sous-condition", "Gratuit sous condition"
    PAYANT = "payant", "Payant"


class ConditionFrais(Vocabulary):
    """Conditions financières précises (extension)

    What v0.1's ``conditions_acces`` could say and v1 cannot: territories fund
    Pass numérique cheques (APTIC), so accepting them must stay findable.
    """

    PASS_NUMERIQUE = "pass-numerique", "Accepte le Pass numérique", "APTIC", "Pass numérique"
    ADHESION = "adhesion", "Adhésion requise", "Adhésion"


class DispositifProgramme(Vocabulary):
    """Dispositifs et programmes nationaux"""

    AIDANTS_CONNECT = "aidants-connect", "Aidants Connect"
    BNR = "bibliotheques-numerique-de-reference", "Bibliothèques numérique de référence"
    PIX = "certification-pix", "Certification PIX"
    CONSEILLERS_NUMERIQUES = "conseillers-numeriques", "Conseillers numériques", "CNFS"
    EMMAUS_CONNECT = "emmaus-connect", "Emmaüs Connect"
    FRANCE_SERVICES = "france-services", "France Services"
    GRANDE_ECOLE = "grande-ecole-du-numerique", "Grande école du numérique", "Grandes écoles du numérique"
    CROIX_ROUGE = "la-croix-rouge", "La Croix Rouge"
    CAF = "point-d-acces-numerique-caf", "Point d'accès numérique CAF", "Point numérique CAF", "Point relais CAF"
    PROMENEURS = "promeneurs-du-net", "Promeneurs du net"
    RELAIS_EMMAUS = "relais-numerique-emmaus-connect", "Relais numérique (Emmaüs Connect)"


class FormationLabel(Vocabulary):
    """Formations et labels"""

    MON_ESPACE_SANTE = "mon-espace-sante", "Formé à « Mon Espace Santé »"
    DUPLEX = "duplex", "Formé à « DUPLEX » (illettrisme)"
    ARNIA = "arnia", "Arnia/MedNum BFC (Bourgogne-Franche-Comté)"
    REEMPLOI = "ressources-reemploi", "Collectif ressources et acteurs réemploi (Normandie)"
    # The v1.0.2 pattern has no space before "(La Poste)"; the description and
    # every tool write it with one. Accept both, write the pattern's form.
    ETAPES_NUMERIQUES = "etapes-numeriques", "Étapes numériques(La Poste)", "Étapes numériques (La Poste)"
    FABRIQUES = "fabriques-de-territoire", "Fabriques de Territoire"
    ECLAIREURS = "les-eclaireurs", "Les Éclaireurs du numérique (Drôme)"
    MES_PAPIERS = "mes-papiers", "Mes Papiers (Métropole de Lyon)"
    ORDI_3 = "ordi-3", "ORDI 3.0"
    SUD_LABS = "sud-labs", "SUD LABS (PACA)"


class ModaliteAcces(Vocabulary):
    """Modalités d'accès"""

    SE_PRESENTER = "se-presenter", "Se présenter"
    TELEPHONER = "telephoner", "Téléphoner"
    MAIL = "contacter-par-mail", "Contacter par mail"
    RDV_EN_LIGNE = "prendre-un-rdv-en-ligne", "Prendre un RDV en ligne"
    PAS_DE_PUBLIC = "pas-de-public", "Ce lieu n'accueille pas de public"
    PRESCRIPTION = "fiche-de-prescription", "Envoyer un mail avec une fiche de prescription"


class ModaliteAccompagnement(Vocabulary):
    """Modalités d'accompagnement"""

    AUTONOMIE = "en-autonomie", "En autonomie"
    INDIVIDUEL = "accompagnement-individuel", "Accompagnement individuel"
    ATELIER = (
        "atelier-collectif",
        "Dans un atelier collectif",
        "Dans un atelier collectif : j'apprends collectivement à utiliser le numérique",
    )
    A_DISTANCE = "a-distance", "À distance", "À distance (par téléphone ou en visioconférence)"


class Typologie(Vocabulary):
    """Typologie

    Codes of data·inclusion's v0 list plus ANCT's additions. The national
    files carry the code itself, not the label.
    """

    @property
    def national(self) -> str:
        return self.code

    ACI = "ACI", "Structures porteuses d’ateliers et chantiers d’insertion (ACI)"
    ACIPHC = "ACIPHC", "SIAE — Atelier chantier d’insertion premières heures en chantier"
    AFPA = "AFPA", "Agence nationale pour la formation professionnelle des adultes (AFPA)"
    AI = "AI", "Associations intermédiaires (AI)"
    ASE = "ASE", "Aide sociale à l’enfance (ASE)"
    ASSO = "ASSO", "Associations", "Association"
    ASSO_CHOMEUR = "ASSO_CHOMEUR", "Associations de chômeurs"
    AVIP = "AVIP", "Crèche À Vocation d’Insertion Professionnelle (AVIP)"
    AUTRE = "Autre", "Autre"
    BIB = "BIB", "Bibliothèque / Médiathèque", "Médiathèque", "Bibliothèque"
    CAARUD = "CAARUD", "CAARUD - Centre d’accueil et d’accompagnement à la réduction de risques pour usagers de drogues"
    CADA = "CADA", "Centres d’accueil de demandeurs d’asile (CADA)"
    CAF = "CAF", "Caisses d’allocation familiale (CAF)"
    CAP_EMPLOI = "CAP_EMPLOI", "Cap Emploi"
    CAVA = "CAVA", "Centres d’adaptation à la vie active (CAVA)"
    CC = "CC", "Communautés de Commune"
    CCAS = "CCAS", "Centres communaux d’action sociale (CCAS)"
    CCONS = "CCONS", "Chambres consulaires (CCI, CMA, CA)"
    CD = "CD", "Conseils Départementaux (CD)"
    CDAS = "CDAS", "Centre Départementale d’Action Sociale (CDAS)"
    CFP = "CFP", "Centre des Finances Publiques (CFP)"
    CHRS = "CHRS", "Centres d’hébergement et de réinsertion sociale (CHRS)"
    CHU = "CHU", "Centres d’hébergement d’urgence (CHU)"
    CIAS = "CIAS", "Centres intercommunaux d’action sociale (CIAS)"
    CIDFF = "CIDFF", "Centres d’information sur les droits des femmes et des familles (CIDFF)"
    CITMET = "CITMET", "Cité des métiers"
    CMP = "CMP", "Centre Médico-Psychologique (CMP)"
    CMS = "CMS", "Centre Médico-Social (CMS)"
    CPAM = "CPAM", "Caisse Primaire d’Assurance Maladie (CPAM)"
    CPH = "CPH", "Centres provisoires d’hébergement (CPH)"
    CS = "CS", "Centre social"
    CSAPA = "CSAPA", "CSAPA - Centre de soins, d’accompagnement et de prévention en addictologie"
    CSC = "CSC", "Centre Socio-Culturel (CSC)", "Centre socio-culturel"
    DEETS = "DEETS", "Directions de l’Economie, de l’Emploi, du Travail et des Solidarités (DEETS)"
    DEPT = "DEPT", "Services sociaux du Conseil départemental"
    DIPLP = "DIPLP", "Délégation interministérielles à la prévention et à la lutte contre la pauvreté"
    E2C = "E2C", "E2C - École de la 2e chance"
    EA = "EA", "Entreprise adaptée (EA)"
    EATT = "EATT", "Entreprise Adaptée (EATT)"
    EI = "EI", "Entreprises d’insertion (EI)"
    EITI = "EITI", "Entreprises d’insertion par le travail indépendant (EITI)"
    ENM = "ENM", "Espace Numérique Mobile (ENM)"
    EPCI = "EPCI", "Intercommunalité (EPCI)"
    EPI = "EPI", "Espace Public Internet (EPI)"
    EPIDE = "EPIDE", "EPIDE - Établissement pour l’insertion dans l’emploi"
    EPN = "EPN", "Espace Public Numérique (EPN)"
    ES = "ES", "Épicerie Solidaire"
    ESAT = "ESAT", "Établissements ou services d'aide par le travail"
    ESS = "ESS", "Entreprise de l’Économie Sociale et Solidaire"
    ETABL_PRI = "ETABL_PRI", "Établissement privé"
    ETABL_PUB = "ETABL_PUB", "Établissement public"
    ETAT = "ETAT", "Service de l’État"
    ETTI = "ETTI", "Entreprises de travail temporaire d’insertion (ETTI)"
    EVS = "EVS", "Espace de Vie Sociale (EVS)"
    FABLAB = "FABLAB", "Fablab / Atelier partagé"
    FABRIQUE = "FABRIQUE", "Fabrique"
    FAIS = "FAIS", "Fédérations d’acteurs de l’insertion et de la solidarité"
    FT = "FT", "France Travail"
    GEIQ = "GEIQ", "Groupements d’employeurs pour l’insertion et la qualification (GEIQ)"
    HUDA = "HUDA", "HUDA - Hébergement d’urgence pour demandeurs d’asile"
    LA_POSTE = "LA_POSTE", "Bureau de poste / Agence postale"
    MDA = "MDA", "Maison Départementale de l’Autonomie"
    MDE = "MDE", "Maison de l’emploi"
    MDEF = "MDEF", "Maison de l’emploi et de la formation"
    MDH = "MDH", "Maison des Habitants"
    MDPH = "MDPH", "Maison Départementale des Personnes Handicapées"
    MDS = "MDS", "Maison Départementale des Solidarités"
    MJC = "MJC", "Maison des jeunes et de la culture"
    ML = "ML", "Mission Locale"
    MQ = "MQ", "Maison de quartier"
    MSA = "MSA", "Mutualité Sociale Agricole"
    MSAP = "MSAP", "Maison de Services Au Public (MSAP)"
    MUNI = "MUNI", "Municipalités", "Commune", "Mairie"
    OACAS = "OACAS", "Structures agréées Organisme d’accueil communautaire et d’activité solidaire (OACAS)"
    ODC = "ODC", "Organisation délégataire d’un CD"
    OF = "OF", "Organisme de formations"
    OIL = "OIL", "Opérateur d’intermédiation locative"
    OPCS = "OPCS", "Organisation porteuse de la clause sociale"
    PAD = "PAD", "Point d’Accès au Droit"
    PENSION = "PENSION", "Pension de famille / résidence accueil"
    PI = "PI", "Point Information (PI)"
    PIJ_BIJ = "PIJ_BIJ", "Points et bureaux information jeunesse (PIJ/BIJ)"
    PIMMS = "PIMMS", "Point Information Médiation Multi Services (PIMMS)"
    PJJ = "PJJ", "Protection judiciaire de la jeunesse (PJJ)"
    PLIE = "PLIE", "Plans locaux pour l’insertion et l’emploi (PLIE)"
    PREF = "PREF", "Préfecture, Sous-Préfecture"
    PREVENTION = "PREVENTION", "Service ou club de prévention"
    REG = "REG", "Région"
    RELAIS_LECTURE = "RELAIS_LECTURE", "Relais lecture"
    RESSOURCERIE = "RESSOURCERIE", "Ressourcerie"
    RFS = "RFS", "Réseau France Services"
    RS_FJT = "RS_FJT", "Résidence sociale / FJT - Foyer de Jeunes Travailleurs"
    SCP = "SCP", "Services et clubs de prévention"
    SPIP = "SPIP", "Services pénitentiaires d’insertion et de probation (SPIP)"
    TIERS_LIEUX = "TIERS_LIEUX", "Tiers lieu & coworking"
    UDAF = "UDAF", "Union Départementale d’Aide aux Familles (UDAF)"


#: Every list field of the standard that is restricted to a vocabulary, with
#: whether the Table Schema enforces it (an unknown value then rejects the row).
LIST_VOCABULARIES: dict[str, tuple[type[Vocabulary], bool]] = {
    "typologie": (Typologie, False),
    "itinerance": (Itinerance, True),
    "services": (Service, True),
    "publics_specifiquement_adresses": (Public, True),
    "prise_en_charge_specifique": (PriseEnCharge, True),
    "frais_a_charge": (Frais, True),
    "conditions_frais": (ConditionFrais, False),
    "dispositif_programmes_nationaux": (DispositifProgramme, True),
    "formations_labels": (FormationLabel, True),
    "modalites_acces": (ModaliteAcces, True),
    "modalites_accompagnement": (ModaliteAccompagnement, True),
}

#: The list fields whose items are free text (e-mail addresses, websites), not vocabulary terms.
TEXT_LIST_FIELDS: tuple[str, ...] = ("courriels", "site_web")

#: Every field of a venue that holds a list of values (« | » between them in the
#: national files): the one place that says so (``Venue`` declares the same as ``list[…]``).
LIST_FIELDS: tuple[str, ...] = (*LIST_VOCABULARIES, *TEXT_LIST_FIELDS)
