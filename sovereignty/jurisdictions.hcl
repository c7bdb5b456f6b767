# Where data lives and whose law reaches it: the facts freecloud checks a
# deployment's sovereignty block against (DESIGN.md, principle 5:
# "Sovereignty is checked, not promised").
#
# Every entry says where its facts come from (sources). A fact that changes
# (a new AWS region, a new member state, a law reauthorised or struck down)
# is changed here, in one place, with its source; the Go code has no table
# of its own. The package's tests check that every code used here is
# defined, that groups nest as they should and that every location of the
# providers freecloud drives is here.
#
# Codes are of three kinds and never overlap:
#   - countries: ISO 3166-1 alpha-2, in capitals ("DE");
#   - groups of countries: capitals and underscores ("EU", "FIVE_EYES");
#   - laws that reach beyond their country's borders: "<country>_<name>"
#     ("US_CLOUD_ACT").
# A sovereignty block's data_jurisdictions takes countries and groups;
# forbidden_operator_law takes all three.

# ISO 3166-1 alpha-2: the 249 officially assigned codes. The names are
# short English names as people write them, not ISO's formal ones ("South
# Korea" for "Korea, Republic of"). Reserved and exceptional codes (UK, EL,
# EU, XK ...) are not countries here; writing UK suggests GB.
countries {
  sources = [
    "https://www.iso.org/iso-3166-country-codes.html",
    "https://www.iso.org/obp/ui/#search/code/",
  ]
  names = {
    AD = "Andorra"
    AE = "United Arab Emirates"
    AF = "Afghanistan"
    AG = "Antigua and Barbuda"
    AI = "Anguilla"
    AL = "Albania"
    AM = "Armenia"
    AO = "Angola"
    AQ = "Antarctica"
    AR = "Argentina"
    AS = "American Samoa"
    AT = "Austria"
    AU = "Australia"
    AW = "Aruba"
    AX = "Åland Islands"
    AZ = "Azerbaijan"
    BA = "Bosnia and Herzegovina"
    BB = "Barbados"
    BD = "Bangladesh"
    BE = "Belgium"
    BF = "Burkina Faso"
    BG = "Bulgaria"
    BH = "Bahrain"
    BI = "Burundi"
    BJ = "Benin"
    BL = "Saint Barthélemy"
    BM = "Bermuda"
    BN = "Brunei"
    BO = "Bolivia"
    BQ = "Bonaire, Sint Eustatius and Saba"
    BR = "Brazil"
    BS = "Bahamas"
    BT = "Bhutan"
    BV = "Bouvet Island"
    BW = "Botswana"
    BY = "Belarus"
    BZ = "Belize"
    CA = "Canada"
    CC = "Cocos (Keeling) Islands"
    CD = "Congo, Democratic Republic of the"
    CF = "Central African Republic"
    CG = "Congo"
    CH = "Switzerland"
    CI = "Côte d'Ivoire"
    CK = "Cook Islands"
    CL = "Chile"
    CM = "Cameroon"
    CN = "China"
    CO = "Colombia"
    CR = "Costa Rica"
    CU = "Cuba"
    CV = "Cabo Verde"
    CW = "Curaçao"
    CX = "Christmas Island"
    CY = "Cyprus"
    CZ = "Czechia"
    DE = "Germany"
    DJ = "Djibouti"
    DK = "Denmark"
    DM = "Dominica"
    DO = "Dominican Republic"
    DZ = "Algeria"
    EC = "Ecuador"
    EE = "Estonia"
    EG = "Egypt"
    EH = "Western Sahara"
    ER = "Eritrea"
    ES = "Spain"
    ET = "Ethiopia"
    FI = "Finland"
    FJ = "Fiji"
    FK = "Falkland Islands"
    FM = "Micronesia"
    FO = "Faroe Islands"
    FR = "France"
    GA = "Gabon"
    GB = "United Kingdom"
    GD = "Grenada"
    GE = "Georgia"
    GF = "French Guiana"
    GG = "Guernsey"
    GH = "Ghana"
    GI = "Gibraltar"
    GL = "Greenland"
    GM = "Gambia"
    GN = "Guinea"
    GP = "Guadeloupe"
    GQ = "Equatorial Guinea"
    GR = "Greece"
    GS = "South Georgia and South Sandwich Islands"
    GT = "Guatemala"
    GU = "Guam"
    GW = "Guinea-Bissau"
    GY = "Guyana"
    HK = "Hong Kong"
    HM = "Heard Island and McDonald Islands"
    HN = "Honduras"
    HR = "Croatia"
    HT = "Haiti"
    HU = "Hungary"
    ID = "Indonesia"
    IE = "Ireland"
    IL = "Israel"
    IM = "Isle of Man"
    IN = "India"
    IO = "British Indian Ocean Territory"
    IQ = "Iraq"
    IR = "Iran"
    IS = "Iceland"
    IT = "Italy"
    JE = "Jersey"
    JM = "Jamaica"
    JO = "Jordan"
    JP = "Japan"
    KE = "Kenya"
    KG = "Kyrgyzstan"
    KH = "Cambodia"
    KI = "Kiribati"
    KM = "Comoros"
    KN = "Saint Kitts and Nevis"
    KP = "North Korea"
    KR = "South Korea"
    KW = "Kuwait"
    KY = "Cayman Islands"
    KZ = "Kazakhstan"
    LA = "Laos"
    LB = "Lebanon"
    LC = "Saint Lucia"
    LI = "Liechtenstein"
    LK = "Sri Lanka"
    LR = "Liberia"
    LS = "Lesotho"
    LT = "Lithuania"
    LU = "Luxembourg"
    LV = "Latvia"
    LY = "Libya"
    MA = "Morocco"
    MC = "Monaco"
    MD = "Moldova"
    ME = "Montenegro"
    MF = "Saint Martin (French part)"
    MG = "Madagascar"
    MH = "Marshall Islands"
    MK = "North Macedonia"
    ML = "Mali"
    MM = "Myanmar"
    MN = "Mongolia"
    MO = "Macao"
    MP = "Northern Mariana Islands"
    MQ = "Martinique"
    MR = "Mauritania"
    MS = "Montserrat"
    MT = "Malta"
    MU = "Mauritius"
    MV = "Maldives"
    MW = "Malawi"
    MX = "Mexico"
    MY = "Malaysia"
    MZ = "Mozambique"
    NA = "Namibia"
    NC = "New Caledonia"
    NE = "Niger"
    NF = "Norfolk Island"
    NG = "Nigeria"
    NI = "Nicaragua"
    NL = "Netherlands"
    NO = "Norway"
    NP = "Nepal"
    NR = "Nauru"
    NU = "Niue"
    NZ = "New Zealand"
    OM = "Oman"
    PA = "Panama"
    PE = "Peru"
    PF = "French Polynesia"
    PG = "Papua New Guinea"
    PH = "Philippines"
    PK = "Pakistan"
    PL = "Poland"
    PM = "Saint Pierre and Miquelon"
    PN = "Pitcairn"
    PR = "Puerto Rico"
    PS = "Palestine, State of"
    PT = "Portugal"
    PW = "Palau"
    PY = "Paraguay"
    QA = "Qatar"
    RE = "Réunion"
    RO = "Romania"
    RS = "Serbia"
    RU = "Russia"
    RW = "Rwanda"
    SA = "Saudi Arabia"
    SB = "Solomon Islands"
    SC = "Seychelles"
    SD = "Sudan"
    SE = "Sweden"
    SG = "Singapore"
    SH = "Saint Helena, Ascension and Tristan da Cunha"
    SI = "Slovenia"
    SJ = "Svalbard and Jan Mayen"
    SK = "Slovakia"
    SL = "Sierra Leone"
    SM = "San Marino"
    SN = "Senegal"
    SO = "Somalia"
    SR = "Suriname"
    SS = "South Sudan"
    ST = "São Tomé and Príncipe"
    SV = "El Salvador"
    SX = "Sint Maarten (Dutch part)"
    SY = "Syria"
    SZ = "Eswatini"
    TC = "Turks and Caicos Islands"
    TD = "Chad"
    TF = "French Southern Territories"
    TG = "Togo"
    TH = "Thailand"
    TJ = "Tajikistan"
    TK = "Tokelau"
    TL = "Timor-Leste"
    TM = "Turkmenistan"
    TN = "Tunisia"
    TO = "Tonga"
    TR = "Türkiye"
    TT = "Trinidad and Tobago"
    TV = "Tuvalu"
    TW = "Taiwan"
    TZ = "Tanzania"
    UA = "Ukraine"
    UG = "Uganda"
    UM = "United States Minor Outlying Islands"
    US = "United States"
    UY = "Uruguay"
    UZ = "Uzbekistan"
    VA = "Holy See (Vatican City)"
    VC = "Saint Vincent and the Grenadines"
    VE = "Venezuela"
    VG = "Virgin Islands (British)"
    VI = "Virgin Islands (U.S.)"
    VN = "Vietnam"
    VU = "Vanuatu"
    WF = "Wallis and Futuna"
    WS = "Samoa"
    YE = "Yemen"
    YT = "Mayotte"
    ZA = "South Africa"
    ZM = "Zambia"
    ZW = "Zimbabwe"
  }
}

# ---------------------------------------------------------------------------
# Groups of countries
# ---------------------------------------------------------------------------

# The 27 member states of the European Union. Parts of member states that
# ISO codes on their own (Åland AX, French Guiana GF, Guadeloupe GP,
# Martinique MQ, Mayotte YT, Réunion RE, Saint Martin MF) belong to the EU
# too but are not listed: no provider location is there, and a bare-metal
# machine there may say its member state's code.
group "EU" {
  name = "the European Union"
  members = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
  ]
  sources = ["https://european-union.europa.eu/principles-countries-history/eu-countries_en"]
}

# The European Economic Area: the EU and three of the four EFTA states
# (Switzerland is in EFTA but not in the EEA). The GDPR applies in the whole
# EEA through the EEA Agreement.
group "EEA" {
  name     = "the European Economic Area"
  includes = ["EU"]
  members  = ["IS", "LI", "NO"]
  sources = [
    "https://www.efta.int/eea",
    "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:21994A0103(01)",
  ]
}

# The Five Eyes: the signals intelligence alliance of the UKUSA Agreement
# (1946, extended to Canada, Australia and New Zealand by 1956), whose text
# the NSA and the UK National Archives released in 2010.
group "FIVE_EYES" {
  name    = "the Five Eyes"
  members = ["AU", "CA", "GB", "NZ", "US"]
  sources = [
    "https://www.nsa.gov/Helpful-Links/NSA-FOIA/Declassification-Transparency-Initiatives/Historical-Releases/UKUSA/",
    "https://www.nationalarchives.gov.uk/ukusa/",
  ]
}

# The Nine and Fourteen Eyes are informal: no public treaty defines them.
# They are the Five Eyes' wider signals intelligence partnerships as
# described in the documents Edward Snowden disclosed (reported by The
# Guardian and Der Spiegel in 2013; the fourteen are the "SIGINT Seniors
# Europe" group). Their membership is as reported, not officially
# confirmed; a policy that names them relies on that reporting.
group "NINE_EYES" {
  name     = "the informal Nine Eyes"
  includes = ["FIVE_EYES"]
  members  = ["DK", "FR", "NL", "NO"]
  sources = [
    "https://en.wikipedia.org/wiki/Five_Eyes#Other_international_cooperatives",
    "https://en.wikipedia.org/wiki/UKUSA_Agreement",
  ]
}

group "FOURTEEN_EYES" {
  name     = "the informal Fourteen Eyes"
  includes = ["NINE_EYES"]
  members  = ["BE", "DE", "ES", "IT", "SE"]
  sources = [
    "https://en.wikipedia.org/wiki/Five_Eyes#Other_international_cooperatives",
    "https://en.wikipedia.org/wiki/UKUSA_Agreement",
  ]
}

# ---------------------------------------------------------------------------
# Laws that reach beyond their country's borders
# ---------------------------------------------------------------------------
#
# A law here binds operators incorporated in its country, or controlled from
# there, wherever the data is stored: an operator incorporated in its country
# is subject to it, and so is one that lists it (a subsidiary abroad of a
# company from there). The territorial law of the country where data is
# stored always applies as well; it needs no entry.

# The Clarifying Lawful Overseas Use of Data Act (2018) amended the Stored
# Communications Act: a provider must disclose data in its "possession,
# custody, or control" when served with a US warrant, "regardless of whether
# such communication, record, or other information is located within or
# outside of the United States". Courts have read "control" to include data
# held by foreign subsidiaries.
law "US_CLOUD_ACT" {
  name     = "the CLOUD Act"
  citation = "18 U.S.C. § 2713"
  country  = "US"
  reach    = "which obliges the operator to hand over data in its possession, custody or control on a US warrant, wherever the data is stored"
  sources = [
    "https://www.law.cornell.edu/uscode/text/18/2713",
    "https://www.justice.gov/criminal/cloud-act-resources",
  ]
}

# Section 702 of the Foreign Intelligence Surveillance Act lets the US
# Attorney General and Director of National Intelligence direct "electronic
# communication service providers" (50 U.S.C. § 1881(b)(4), widened in 2024)
# to assist in collecting the communications of non-US persons abroad,
# without an individual warrant. Section 702 is enacted with a sunset date
# and has so far been reauthorised each time (2012, 2018, 2024); the table
# takes it to be in force.
law "US_FISA_702" {
  name     = "FISA section 702"
  citation = "50 U.S.C. § 1881a"
  country  = "US"
  reach    = "which lets US intelligence agencies direct the operator to hand over communications of people outside the US without an individual warrant, wherever the data is stored"
  sources = [
    "https://www.law.cornell.edu/uscode/text/50/1881a",
    "https://www.law.cornell.edu/uscode/text/50/1881",
  ]
}

# ---------------------------------------------------------------------------
# Operators: the companies that run a provider's machines
# ---------------------------------------------------------------------------
#
# Bare-metal machines have no entry: their operator is the deployment's own
# organisation, incorporated where the deployment's operator_country says.

# Hetzner Online GmbH, Industriestr. 25, 91710 Gunzenhausen, Germany
# (Amtsgericht Ansbach). It also runs locations in the US (ash, hil) and in
# Singapore (sin): data there is under that country's territorial law,
# which data_jurisdictions decides. No law with reach beyond its borders is
# recorded for Germany.
operator "hetzner" {
  name    = "Hetzner Online GmbH"
  country = "DE"
  city    = "Gunzenhausen"
  laws    = []
  sources = ["https://www.hetzner.com/legal/imprint"]
}

# Amazon Web Services, Inc., 410 Terry Avenue North, Seattle, WA, US. Customers
# in Europe contract with Amazon Web Services EMEA SARL (Luxembourg), a
# subsidiary of the same US group, which the CLOUD Act's "control" reaches
# all the same. The AWS European Sovereign Cloud (a German company, its own
# partition) would be another operator; freecloud cannot deploy there yet
# (see the AWS regions below).
operator "aws" {
  name    = "Amazon Web Services, Inc."
  country = "US"
  city    = "Seattle"
  laws    = ["US_CLOUD_ACT", "US_FISA_702"]
  sources = [
    "https://aws.amazon.com/agreement/",
    "https://aws.amazon.com/legal/aws-emea/",
  ]
}

# ---------------------------------------------------------------------------
# Locations of the cloud providers freecloud drives
# ---------------------------------------------------------------------------
#
# city is the place the provider names the location after; some AWS
# regions are named after a state or a country only (Ohio, Malaysia), and
# that is what is given.

# Hetzner Cloud's locations and their countries and cities, as Hetzner's
# API lists them (GET /locations: name, country, city), which
# providers/hetzner/hcloudfake's catalogue copies.
provider "hetzner" {
  operator = "hetzner"
  sources  = ["https://docs.hetzner.cloud/ (Locations: GET /locations)"]
  locations = {
    fsn1 = { country = "DE", city = "Falkenstein" }
    nbg1 = { country = "DE", city = "Nuremberg" }
    hel1 = { country = "FI", city = "Helsinki" }
    ash  = { country = "US", city = "Ashburn, VA" }
    hil  = { country = "US", city = "Hillsboro, OR" }
    sin  = { country = "SG", city = "Singapore" }
  }
}

# The regions of AWS's commercial partition ("aws") and the countries they
# are in.
#
# Checked in November 2026 against:
#   - aws-sdk-go-v2 v1.47.7, internal/endpoints/awsrulesfn/partitions.json:
#     the regions of partition "aws" with their names ("Asia Pacific
#     (Taipei)"), which give the countries and cities;
#   - aws-sdk-go-v2/service/ec2 v1.344.1, internal/endpoints/endpoints.go:
#     EC2's endpoints in partition "aws", the same 34 regions (plus
#     fips-* aliases, which are endpoints, not regions);
#   - AWS's "AWS Region billing codes" page, which lists ca-west-1,
#     mx-central-1, ap-east-2 (Taipei), ap-southeast-5 (Malaysia),
#     ap-southeast-6 (New Zealand) and ap-southeast-7 (Thailand) among the
#     commercial regions.
#
# Left out, as other partitions with their own accounts, credentials and
# endpoints, where the official NixOS images (published from an account of
# the commercial partition) do not exist: GovCloud (aws-us-gov), China
# (aws-cn), the ISO partitions, and the AWS European Sovereign Cloud
# (aws-eusc, eusc-de-east-1 in Germany). The last would suit a sovereignty
# policy, but a machine there could not boot the images freecloud deploys
# to; it belongs here, with its own operator, once it can.
#
# Local Zones (us-east-1-bos-1a) and Wavelength Zones are not locations
# freecloud knows: they need not be in their parent region's country
# (eu-central-1's include Warsaw, us-east-1's Buenos Aires and Lima).
provider "aws" {
  operator = "aws"
  sources = [
    "https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html",
    "https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html",
    "https://github.com/aws/aws-sdk-go-v2/blob/v1.47.7/internal/endpoints/awsrulesfn/partitions.json",
  ]
  locations = {
    "af-south-1"     = { country = "ZA", city = "Cape Town" }
    "ap-east-1"      = { country = "HK", city = "Hong Kong" }
    "ap-east-2"      = { country = "TW", city = "Taipei" }
    "ap-northeast-1" = { country = "JP", city = "Tokyo" }
    "ap-northeast-2" = { country = "KR", city = "Seoul" }
    "ap-northeast-3" = { country = "JP", city = "Osaka" }
    "ap-south-1"     = { country = "IN", city = "Mumbai" }
    "ap-south-2"     = { country = "IN", city = "Hyderabad" }
    "ap-southeast-1" = { country = "SG", city = "Singapore" }
    "ap-southeast-2" = { country = "AU", city = "Sydney" }
    "ap-southeast-3" = { country = "ID", city = "Jakarta" }
    "ap-southeast-4" = { country = "AU", city = "Melbourne" }
    "ap-southeast-5" = { country = "MY", city = "Malaysia" }
    "ap-southeast-6" = { country = "NZ", city = "New Zealand" }
    "ap-southeast-7" = { country = "TH", city = "Thailand" }
    "ca-central-1"   = { country = "CA", city = "Canada (Central)" }
    "ca-west-1"      = { country = "CA", city = "Calgary" }
    "eu-central-1"   = { country = "DE", city = "Frankfurt" }
    "eu-central-2"   = { country = "CH", city = "Zurich" }
    "eu-north-1"     = { country = "SE", city = "Stockholm" }
    "eu-south-1"     = { country = "IT", city = "Milan" }
    "eu-south-2"     = { country = "ES", city = "Spain" }
    "eu-west-1"      = { country = "IE", city = "Ireland" }
    "eu-west-2"      = { country = "GB", city = "London" }
    "eu-west-3"      = { country = "FR", city = "Paris" }
    "il-central-1"   = { country = "IL", city = "Tel Aviv" }
    "me-central-1"   = { country = "AE", city = "UAE" }
    "me-south-1"     = { country = "BH", city = "Bahrain" }
    "mx-central-1"   = { country = "MX", city = "Mexico (Central)" }
    "sa-east-1"      = { country = "BR", city = "São Paulo" }
    "us-east-1"      = { country = "US", city = "N. Virginia" }
    "us-east-2"      = { country = "US", city = "Ohio" }
    "us-west-1"      = { country = "US", city = "N. California" }
    "us-west-2"      = { country = "US", city = "Oregon" }
  }
}

# ---------------------------------------------------------------------------
# Storage services, recognised by host name
# ---------------------------------------------------------------------------
#
# A backup repository on one of these hosts is placed without the operator
# saying where: the operator from the host's domain, the location from a
# label of the host that is a location of the provider (the bucket's
# region). When no label says, the repository must declare its country.

# Hetzner Object Storage: https://<location>.your-objectstorage.com, with
# buckets in fsn1, nbg1 and hel1.
storage "hetzner-object-storage" {
  name      = "Hetzner Object Storage"
  domain    = "your-objectstorage.com"
  operator  = "hetzner"
  locations = "hetzner"
  sources   = ["https://docs.hetzner.com/storage/object-storage/overview"]
}

# Hetzner Storage Boxes: <user>.your-storagebox.de, reached over SFTP. The
# host name does not say where the box is, and Storage Boxes are sold in
# Falkenstein (DE) and Helsinki (FI): a repository there declares its
# country.
storage "hetzner-storage-box" {
  name     = "Hetzner Storage Box"
  domain   = "your-storagebox.de"
  operator = "hetzner"
  sources  = ["https://docs.hetzner.com/storage/storage-box/general"]
}

# Amazon S3: s3.<region>.amazonaws.com, <bucket>.s3.<region>.amazonaws.com,
# s3.dualstack.<region>.amazonaws.com. The global s3.amazonaws.com does not
# say the bucket's region.
storage "aws-s3" {
  name      = "Amazon S3"
  domain    = "amazonaws.com"
  operator  = "aws"
  locations = "aws"
  sources   = ["https://docs.aws.amazon.com/general/latest/gr/s3.html"]
}
