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

# --- issue 14: realistic data -------------------------------------------------------------------
# What a hosting desk sees: about one ticket in twenty unresolved (--open-share).
DEFAULT_OPEN_SHARE = 0.05
# The status of an unresolved ticket an agent has answered, and of a finished one by its age
# (a resolved ticket is closed a few days later).
OPEN_STATUS_WEIGHTS = [(Status.OPEN, 45), (Status.PENDING, 40), (Status.ON_HOLD, 15)]
RECENT_DONE_DAYS = 7
DONE_RECENT = [(Status.RESOLVED, 65), (Status.CLOSED, 35)]
DONE_OLD = [(Status.RESOLVED, 8), (Status.CLOSED, 92)]
AUTO_CLOSE_H = 72.0  # mean hours from resolved to closed
# An unresolved ticket's age: mostly days, a tenth of them weeks (on hold, long migrations).
OPEN_AGE_DAYS = 2.5
OPEN_LONG_SHARE, OPEN_LONG_DAYS = 0.1, 45.0
# Public messages per ticket: log-normal (median 3, p90 about 6, a few long threads).
MESSAGES_MU, MESSAGES_SIGMA = 1.0, 0.6
# Tickets per customer: Zipf-like P(k) ~ k^-2 up to this many (most 1-2, some dozens).
CUSTOMER_ZIPF_S, CUSTOMER_MAX_TICKETS = 2.0, 60
CUSTOMER_MEAN_TICKETS = 2.9  # of that distribution: the default customer count is N / this
# Customers with many tickets are mostly agencies and resellers: people of an organization.
HEAVY_CUSTOMER_TICKETS, HEAVY_IN_ORGANIZATION, LIGHT_IN_ORGANIZATION = 8, 0.8, 0.25
ORGANIZATION_SIZE = 6  # customers in organizations per organization, on average

TR_CUSTOMER_SENTENCES = [
    "Merhaba, {d} alan adım bu sabahtan beri açılmıyor.",
    "Sitemde hiçbir değişiklik yapmadım, birden çalışmayı bıraktı.",
    "Sunucu kayıtlarını kontrol edebilir misiniz?",
    "Acil dönüş yapabilir misiniz? Online mağazamız sipariş kaybediyor.",
    "Outlook sürekli şifre soruyor, e-postalarımı alamıyorum.",
    "Faturadaki tutar paketimle uyuşmuyor.",
    "Daha büyük bir pakete geçmek istiyorum.",
    "Teşekkürler, şimdi çalışıyor!",
    "Hâlâ aynı hatayı alıyorum.",
    "Ekran görüntüsünü ekledim.",
    "WordPress yönetim paneline giriş yapamıyorum, sayfa sürekli yenileniyor.",
    "Yedekten dünkü hâline geri yükleyebilir misiniz?",
]
TR_AGENT_SENTENCES = [
    "{d} ile ilgili talebiniz için teşekkür ederiz.",
    "Sunucuyu kontrol ettim ve web servisini yeniden başlattım.",
    "DNS kayıtları güncellendi; yayılması 24 saate kadar sürebilir.",
    "SSL sertifikanız yenilendi ve kuruldu.",
    "Sorunun tam olarak ne zaman başladığını belirtebilir misiniz?",
    "Konuyu sistem ekibimize ilettim.",
    "Tarayıcınızın önbelleğini temizleyip tekrar dener misiniz?",
    "İstediğiniz gibi dünkü yedeği geri yükledik.",
    "PHP sürümünüz 8.2 olarak değiştirildi.",
]
SIGNATURES = {
    "en": ["Best regards,\n{name}\n{team}\nDestek Hosting | +90 212 555 01 01",
           "Kind regards,\n{name}\n{team}"],
    "tr": ["Saygılarımızla,\n{name}\n{team}\nDestek Hosting | +90 212 555 01 01",
           "İyi çalışmalar,\n{name}\n{team}"],
}
CUSTOMER_SIGNATURES = ["--\n{name}\n{d}", "{name}\nSent from my phone",
                       "{name}\nTel: +90 532 555 {n:02d} {m:02d}\n{d}", "--\n{name}"]
QUOTE_HEADERS = {"en": "On {date}, {agent} wrote:", "tr": "{date} tarihinde {agent} yazdı:"}
LOG_LINES = [
    "[{t}] [php:error] [pid {p}] [client 203.0.113.{n}:{m}] PHP Fatal error:  Allowed memory "
    "size of 134217728 bytes exhausted (tried to allocate {m} bytes) in "
    "/home/user{n}/public_html/wp-includes/class-wp-hook.php on line {l}",
    "[{t}] [proxy_fcgi:error] [pid {p}] [client 198.51.100.{n}:{m}] AH01071: Got error "
    "'Primary script unknown'",
    "{t} postfix/smtp[{p}]: {h}: to=<info@{d}>, relay=mx.{d}[192.0.2.{n}]:25, delay={n}.{m}, "
    "status=deferred (connect to mx.{d}[192.0.2.{n}]:25: Connection timed out)",
    "{t} dovecot: imap-login: Disconnected (auth failed, 1 attempts in {n} secs): "
    "user=<info@{d}>, method=PLAIN, rip=203.0.113.{n}, lip=10.0.0.{m}, TLS",
    "{t} mysqld[{p}]: [ERROR] [MY-010584] [Repl] Slave SQL for channel '': Error "
    "'Duplicate entry '{m}' for key 'PRIMARY'' on query. Default database: 'wp_{n}'",
    "{t} kernel: Out of memory: Killed process {p} (php-fpm) total-vm:{m}kB, anon-rss:{l}kB",
    "203.0.113.{n} - - [{t}] \"GET /wp-login.php HTTP/1.1\" 500 {m} \"-\" \"Mozilla/5.0\"",
    "{t} sshd[{p}]: Failed password for root from 198.51.100.{n} port {m} ssh2",
]
