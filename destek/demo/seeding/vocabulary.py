"""The words, names and proportions the bench data generator draws from (bench/README.md
describes the resulting help desk)."""

from __future__ import annotations

from destek.accounts.models import AssignmentMode
from destek.tickets.models import Channel, Priority, Status

DEPARTMENTS = [
    ("Technical support", "Teknik destek"), ("Billing", "Muhasebe"), ("Sales", "Satış"),
    ("Domains", "Alan adları"), ("Servers and VPS", "Sunucular ve VPS"),
    ("Email hosting", "E-posta barındırma"), ("Migrations", "Taşıma"),
    ("Abuse", "Kötüye kullanım"),
]
ASSIGNMENT_MODES = [AssignmentMode.ROUND_ROBIN, AssignmentMode.LEAST_LOADED,
                    AssignmentMode.MANUAL]
TAGS = [
    "dns", "ssl", "wordpress", "email", "smtp", "imap", "backup", "restore", "migration",
    "php", "mysql", "cpanel", "plesk", "vps", "dedicated", "invoice", "refund", "renewal",
    "domain-transfer", "whois", "malware", "spam", "ddos", "performance", "upgrade", "cron",
]
FIRST_NAMES = ["Ayşe", "Mehmet", "Deniz", "Elif", "Can", "Zeynep", "Emre", "Selin", "Burak",
               "Ece", "John", "Maria", "Ahmet", "Fatma", "Oğuz", "Gül", "Peter", "Anna",
               "Hakan", "Sibel", "Kerem", "İrem", "David", "Sophie", "Murat", "Çağla"]
LAST_NAMES = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın",
              "Arslan", "Doğan", "Smith", "Müller", "Rossi", "García", "Koç", "Kurt", "Polat",
              "Özdemir", "Erdem", "Güneş", "Brown", "Schmidt", "Aksoy", "Tekin"]
ISSUES = [
    "Website returns 500 error", "Cannot send email", "SSL certificate expired",
    "DNS not propagating", "Site is very slow", "Backup restore request", "Invoice question",
    "Upgrade my plan", "Domain transfer", "Disk quota exceeded", "PHP version change",
    "MySQL connection refused", "WordPress login loop", "Mail goes to spam",
    "VPS unreachable", "Refund request", "Cron job not running", "FTP login failed",
    "Web sitem açılmıyor", "E-posta gönderemiyorum", "SSL sertifikası yenileme",
    "Alan adı transferi", "Fatura hakkında", "Sunucu yanıt vermiyor", "Yedekten geri yükleme",
]
TLDS = ["com", "com.tr", "net", "org", "io", "shop", "web.tr", "de"]
WORDS = ["shop", "cafe", "studio", "tech", "market", "blog", "clinic", "hotel", "auto",
         "design", "media", "yapi", "gida", "tekstil", "turizm", "hukuk", "emlak"]
CUSTOMER_SENTENCES = [
    "Since this morning my site {d} shows an error page.",
    "I changed nothing on my side and it stopped working.",
    "Could you please check the server logs?",
    "This is urgent, our online shop is losing orders.",
    "I attached a screenshot of the error.",
    "Merhaba, {d} alan adım çalışmıyor.",
    "Acil dönüş yapabilir misiniz?",
    "Outlook keeps asking for my password.",
    "The invoice amount does not match my plan.",
    "I would like to move to a bigger package.",
    "Thanks, it works now!",
    "It is still not working, same error as before.",
]
AGENT_SENTENCES = [
    "Thank you for contacting us about {d}.",
    "I have checked the server and restarted the web service.",
    "The DNS records were updated; propagation can take up to 24 hours.",
    "Your SSL certificate has been renewed and installed.",
    "Could you tell us when exactly the problem started?",
    "I have escalated this to our systems team.",
    "Merhaba, sorununuz giderilmiştir.",
    "Please clear your browser cache and try again.",
    "We restored yesterday's backup as requested.",
    "Best regards,",
]
NOTE_SENTENCES = ["Customer is on the legacy plan, check billing first.",
                  "Node web-12 had high load at that time.", "Müşteri telefonla da aradı.",
                  "Waiting for the upstream provider."]
CHANNELS = [  # (channel, weight, opened by an agent)
    (Channel.EMAIL, 40, False), (Channel.PORTAL, 35, False), (Channel.API, 8, False),
    (Channel.CHAT, 8, False), (Channel.DESK, 5, True), (Channel.PHONE, 4, True),
]
PRIORITIES = [(Priority.LOW, 15), (Priority.NORMAL, 55), (Priority.HIGH, 22),
              (Priority.CRITICAL, 8)]
# Mean first-response and reply delays by priority, in hours.
AGENT_DELAY_H: dict[int, float] = {Priority.CRITICAL: 0.7, Priority.HIGH: 3,
                                   Priority.NORMAL: 8, Priority.LOW: 18}
CUSTOMER_DELAY_H = 14.0
# Final status by ticket age, for tickets an agent has answered.
STATUS_BY_AGE: list[tuple[int, list[tuple[str, float]]]] = [  # (max age in days, weights)
    (3, [(Status.OPEN, 45), (Status.PENDING, 30), (Status.ON_HOLD, 5), (Status.RESOLVED, 15),
         (Status.CLOSED, 5)]),
    (30, [(Status.OPEN, 10), (Status.PENDING, 10), (Status.ON_HOLD, 3), (Status.RESOLVED, 32),
          (Status.CLOSED, 45)]),
    (10**6, [(Status.OPEN, 0.6), (Status.PENDING, 0.6), (Status.ON_HOLD, 0.3),
             (Status.RESOLVED, 8), (Status.CLOSED, 90)]),
]
UNANSWERED_NEW_DAYS = 5  # a one-message ticket older than this was closed by an agent
