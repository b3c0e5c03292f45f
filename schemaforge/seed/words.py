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
    "Lisbon", "Porto", "Braga", "Coimbra", "Faro", "Madrid", "Barcelona", "Valencia", "Seville", "Bilbao",
    "Malaga", "Zaragoza", "Granada", "Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Nantes", "Bordeaux",
    "Lille", "Strasbourg", "Rennes", "Montpellier", "Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt",
    "Stuttgart", "Dresden", "Leipzig", "Hanover", "Nuremberg", "Bremen", "Bonn", "Vienna", "Graz", "Linz",
    "Salzburg", "Innsbruck", "Zurich", "Geneva", "Basel", "Bern", "Lausanne", "Milan", "Rome", "Naples",
    "Turin", "Florence", "Bologna", "Genoa", "Venice", "Verona", "Palermo", "Bari", "Amsterdam", "Rotterdam",
    "Utrecht", "Eindhoven", "Groningen", "Brussels", "Antwerp", "Ghent", "Liege", "Luxembourg", "Prague",
    "Brno", "Ostrava", "Warsaw", "Krakow", "Gdansk", "Wroclaw", "Poznan", "Lodz", "Budapest", "Debrecen",
    "Bratislava", "Ljubljana", "Zagreb", "Split", "Belgrade", "Sofia", "Bucharest", "Cluj-Napoca", "Iasi",
    "Athens", "Thessaloniki", "Istanbul", "Ankara", "Izmir", "Copenhagen", "Aarhus", "Odense", "Oslo",
    "Bergen", "Trondheim", "Stockholm", "Gothenburg", "Malmo", "Uppsala", "Helsinki", "Espoo", "Tampere",
    "Turku", "Tallinn", "Riga", "Vilnius", "Kaunas", "Dublin", "Cork", "Galway", "Limerick", "London",
    "Manchester", "Birmingham", "Leeds", "Glasgow", "Edinburgh", "Liverpool", "Bristol", "Sheffield",
    "Cardiff", "Belfast", "Newcastle", "Nottingham", "Leicester", "Oxford", "Cambridge", "Reykjavik",
    "Toronto", "Montreal", "Vancouver", "Calgary", "Ottawa", "Edmonton", "Winnipeg", "Quebec City",
    "Halifax", "Victoria", "New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Philadelphia",
    "San Antonio", "San Diego", "Dallas", "Austin", "Denver", "Seattle", "Boston", "Portland", "Atlanta",
    "Miami", "Minneapolis", "Detroit", "Nashville", "Baltimore", "Pittsburgh", "Cleveland", "Sacramento",
    "Salt Lake City", "Kansas City", "Raleigh", "Tampa", "Orlando", "New Orleans", "Honolulu", "Anchorage",
    "Mexico City", "Guadalajara", "Monterrey", "Puebla", "Bogota", "Medellin", "Cali", "Lima", "Arequipa",
    "Quito", "Guayaquil", "Santiago", "Valparaiso", "Buenos Aires", "Cordoba", "Rosario", "Mendoza",
    "Montevideo", "Asuncion", "La Paz", "Sao Paulo", "Rio de Janeiro", "Brasilia", "Salvador", "Fortaleza",
    "Belo Horizonte", "Curitiba", "Recife", "Porto Alegre", "Manaus", "Tokyo", "Osaka", "Kyoto", "Yokohama",
    "Nagoya", "Sapporo", "Fukuoka", "Kobe", "Sendai", "Hiroshima", "Seoul", "Busan", "Incheon", "Daegu",
    "Taipei", "Kaohsiung", "Hong Kong", "Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Chengdu",
    "Hangzhou", "Wuhan", "Singapore", "Kuala Lumpur", "Penang", "Bangkok", "Chiang Mai", "Hanoi",
    "Ho Chi Minh City", "Da Nang", "Manila", "Cebu", "Jakarta", "Surabaya", "Bandung", "Denpasar",
    "Mumbai", "Delhi", "Bengaluru", "Hyderabad", "Chennai", "Kolkata", "Pune", "Ahmedabad", "Jaipur",
    "Kochi", "Karachi", "Lahore", "Dhaka", "Colombo", "Kathmandu", "Dubai", "Abu Dhabi", "Doha", "Riyadh",
    "Jeddah", "Muscat", "Amman", "Beirut", "Tel Aviv", "Haifa", "Cairo", "Alexandria", "Casablanca",
    "Rabat", "Marrakesh", "Tunis", "Algiers", "Lagos", "Abuja", "Accra", "Kumasi", "Dakar", "Abidjan",
    "Nairobi", "Mombasa", "Kampala", "Kigali", "Addis Ababa", "Dar es Salaam", "Lusaka", "Harare",
    "Johannesburg", "Cape Town", "Durban", "Pretoria", "Windhoek", "Gaborone", "Sydney", "Melbourne",
    "Brisbane", "Perth", "Adelaide", "Canberra", "Hobart", "Darwin", "Auckland", "Wellington",
    "Christchurch", "Dunedin",
)
COUNTRIES = ("PT", "ES", "FR", "DE", "AT", "CZ", "PL", "NO", "IE", "GB", "CA", "US", "JP", "KR", "IN", "KE", "GH", "PE", "CO", "CL", "AU", "NZ")
STREETS = ("Main St", "Oak Ave", "Station Rd", "High St", "Park Lane", "Mill Rd", "Church St", "River Rd", "Elm St", "King St")
COMPANY_SUFFIXES = ("Ltd", "Inc", "GmbH", "SA", "Labs", "Group", "Partners", "Systems")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com", "inbox.example.org")
COUNTRY_NAMES = (
    "Portugal", "Spain", "France", "Germany", "Austria", "Switzerland", "Italy", "Netherlands", "Belgium",
    "Czechia", "Poland", "Hungary", "Greece", "Turkey", "Denmark", "Norway", "Sweden", "Finland", "Ireland",
    "United Kingdom", "Canada", "United States", "Mexico", "Colombia", "Peru", "Chile", "Argentina",
    "Brazil", "Japan", "South Korea", "China", "Singapore", "Thailand", "Vietnam", "India", "Kenya",
    "Nigeria", "Ghana", "Egypt", "Morocco", "South Africa", "Australia", "New Zealand",
)
STATES = (
    "California", "Texas", "New York", "Florida", "Illinois", "Pennsylvania", "Ohio", "Georgia", "Washington",
    "Oregon", "Colorado", "Arizona", "Massachusetts", "Michigan", "Minnesota", "Ontario", "Quebec",
    "British Columbia", "Bavaria", "Hesse", "Saxony", "Catalonia", "Andalusia", "Lombardy", "Tuscany",
    "New South Wales", "Victoria", "Queensland", "Maharashtra", "Karnataka", "Sao Paulo", "Jalisco",
)
STATE_CODES = ("CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "WA", "OR", "CO", "AZ", "MA", "MI", "MN", "NC", "VA", "NJ")
TITLES = (
    "Getting started", "Release notes", "Quarterly review", "Design proposal", "Weekly update",
    "Onboarding guide", "Incident report", "Roadmap", "Meeting notes", "Product launch", "Budget plan",
    "Customer feedback", "Migration plan", "Security review", "Team retrospective", "Annual report",
)
JOB_TITLES = (
    "Software Engineer", "Senior Engineer", "Data Analyst", "Product Manager", "Designer", "Accountant",
    "Nurse", "Teacher", "Sales Manager", "Support Specialist", "Operations Lead", "Researcher",
)
