"""`format:` names and the regular expression (POSIX ERE, portable) each one means."""

FORMAT_PATTERNS: dict[str, str] = {
    "email": r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",
    "url": r"^https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[^ ]*)?$",
    "phone": r"^\+?[0-9][0-9 ().-]{6,19}$",
    "hostname": r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$",
    "ipv4": r"^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$",
    "ipv6": r"^[0-9A-Fa-f:.]{2,45}$",
    "slug": r"^[a-z0-9]+(-[a-z0-9]+)*$",
    "iso_country": r"^[A-Z]{2}$",
    "iso_currency": r"^[A-Z]{3}$",
    "hex_color": r"^#[0-9A-Fa-f]{6}$",
    "postal_code": r"^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$",
}
