"""Small vocabularies that plausible values are assembled from, column at a time."""

FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Ana", "Arjun", "Ava", "Ben", "Carla", "Chen", "Chloe", "Daniel", "David",
    "Diego", "Elena", "Emma", "Farah", "Fatima", "Grace", "Hana", "Hugo", "Ines", "Isaac", "Ivan",
    "Jack", "James", "Jin", "Julia", "Kai", "Kofi", "Laila", "Leo", "Lina", "Lucas", "Maria", "Mateo",
    "Maya", "Mei", "Mia", "Nadia", "Noah", "Nora", "Olga", "Omar", "Paula", "Priya", "Rafael", "Rosa",
    "Sam", "Sara", "Sofia", "Tariq", "Theo", "Uma", "Victor", "Wei", "Yara", "Yusuf", "Zara", "Zoe",
)
LAST_NAMES = (
    "Abe", "Adeyemi", "Alvarez", "Andersen", "Baker", "Bauer", "Bianchi", "Brown", "Chen", "Costa",
    "Dubois", "Dvorak", "Evans", "Fischer", "Garcia", "Gupta", "Hansen", "Hughes", "Ivanova", "Jansen",
    "Kaur", "Kim", "Kowalski", "Larsen", "Lee", "Lopez", "Martin", "Meyer", "Moreau", "Murphy",
    "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel", "Perez", "Petrov", "Quinn", "Rossi",
    "Sato", "Schmidt", "Silva", "Singh", "Smith", "Suzuki", "Tanaka", "Taylor", "Torres", "Walker",
    "Wang", "Weber", "Wilson", "Yamamoto", "Yilmaz", "Zhang",
)
WORDS = (
    "amber", "anchor", "apex", "arc", "atlas", "aurora", "bay", "beacon", "birch", "bolt", "breeze",
    "brook", "canyon", "cedar", "cinder", "cliff", "cloud", "comet", "coral", "crest", "delta", "dune",
    "echo", "ember", "fern", "field", "flint", "forge", "frost", "gale", "garnet", "glade", "grove",
    "harbor", "haven", "hazel", "horizon", "iris", "island", "ivory", "jade", "juniper", "lagoon",
    "lark", "linen", "lotus", "maple", "marble", "meadow", "mesa", "mist", "moss", "nova", "oak",
    "onyx", "orbit", "pebble", "pine", "pixel", "plume", "prairie", "quartz", "rain", "raven", "reef",
    "ridge", "river", "sage", "sierra", "slate", "spark", "spruce", "stone", "summit", "tide", "timber",
    "topaz", "trail", "tundra", "valley", "vertex", "willow", "zephyr",
)
CITIES = (
    "Lisbon", "Porto", "Madrid", "Lyon", "Berlin", "Hamburg", "Vienna", "Prague", "Warsaw", "Oslo",
    "Dublin", "Leeds", "Toronto", "Austin", "Denver", "Seattle", "Osaka", "Seoul", "Pune", "Nairobi",
    "Accra", "Lima", "Bogota", "Santiago", "Melbourne", "Auckland",
)
COUNTRIES = ("PT", "ES", "FR", "DE", "AT", "CZ", "PL", "NO", "IE", "GB", "CA", "US", "JP", "KR", "IN", "KE", "GH", "PE", "CO", "CL", "AU", "NZ")
STREETS = ("Main St", "Oak Ave", "Station Rd", "High St", "Park Lane", "Mill Rd", "Church St", "River Rd", "Elm St", "King St")
COMPANY_SUFFIXES = ("Ltd", "Inc", "GmbH", "SA", "Labs", "Group", "Partners", "Systems")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com", "inbox.example.org")
