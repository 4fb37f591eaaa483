"""The demo help center: categories and a dozen articles, each in English and Turkish.

Plain data, written as a hosting company's support team would. (The words of the browser
tests' own articles — "slow", "WordPress", "quota" — are left to those tests, whose
suggestions must find only their article.)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoCategory:
    slug: str
    name: str
    name_tr: str
    description: str
    description_tr: str


@dataclass(frozen=True)
class DemoArticle:
    category: str  # a DemoCategory slug
    faq: bool
    title: str
    summary: str
    body: str
    title_tr: str
    summary_tr: str
    body_tr: str


CATEGORIES = [
    DemoCategory("getting-started", "Getting started", "Başlarken",
                 "Your account, the portal and how to reach us.",
                 "Hesabınız, müşteri paneli ve bize nasıl ulaşacağınız."),
    DemoCategory("email", "Email", "E-posta",
                 "Mailboxes, phones and delivery.", "Posta kutuları, telefonlar ve teslimat."),
    DemoCategory("domains-dns", "Domains and DNS", "Alan adları ve DNS",
                 "Name servers, records and SSL.", "Ad sunucuları, kayıtlar ve SSL."),
    DemoCategory("hosting", "Hosting", "Hosting",
                 "Files, backups and PHP.", "Dosyalar, yedekler ve PHP."),
    DemoCategory("billing", "Billing", "Fatura ve ödeme",
                 "Invoices, payments and renewals.", "Faturalar, ödemeler ve yenilemeler."),
]

ARTICLES = [
    DemoArticle(
        "getting-started", False,
        "Sign in to the customer portal",
        "Where to sign in, and what to do when you forgot your password.",
        "Open the portal and choose **Sign in**. Use the email address on your invoices.\n\n"
        "Forgot your password? Choose **Forgot password?** on the sign-in page: we email you "
        "a link that works for one hour.",
        "Müşteri paneline giriş",
        "Nereden giriş yapılır, şifrenizi unuttuğunuzda ne yapmalısınız.",
        "Paneli açın ve **Giriş yap** seçeneğine tıklayın. Faturalarınızdaki e-posta adresini "
        "kullanın.\n\nŞifrenizi mi unuttunuz? Giriş sayfasında **Şifremi unuttum** bağlantısına "
        "tıklayın: bir saat geçerli bir bağlantı e-postayla gelir."),
    DemoArticle(
        "getting-started", True,
        "Open a support ticket",
        "Tell us what happened; we answer critical issues within an hour.",
        "Choose **New ticket** in the portal, pick the service it is about and describe what "
        "you see: the address, the error message, when it started.\n\nCritical issues (a "
        "server down) get a first answer within one hour, day and night. You can also write "
        "to our support address: every email becomes a ticket.",
        "Destek talebi açma",
        "Ne olduğunu anlatın; kritik sorunlara bir saat içinde yanıt veriyoruz.",
        "Panelde **Yeni talep** seçeneğine tıklayın, talebin ilgili olduğu hizmeti seçin ve "
        "gördüğünüzü anlatın: adres, hata mesajı, ne zaman başladığı.\n\nKritik sorunlara "
        "(kapalı bir sunucu) gece gündüz bir saat içinde ilk yanıtı veriyoruz. Destek "
        "adresimize de yazabilirsiniz: her e-posta bir talep olur."),
    DemoArticle(
        "email", False,
        "Set up your email on a phone",
        "IMAP and SMTP settings for iPhone and Android.",
        "Add an account of the **IMAP** type with these settings:\n\n"
        "- Incoming server: `mail.yourdomain.com`, port 993, SSL\n"
        "- Outgoing server: `mail.yourdomain.com`, port 465, SSL\n"
        "- User name: your full email address",
        "Telefonda e-posta kurulumu",
        "iPhone ve Android için IMAP ve SMTP ayarları.",
        "**IMAP** türünde bir hesap ekleyin ve şu ayarları girin:\n\n"
        "- Gelen sunucu: `mail.alanadiniz.com`, port 993, SSL\n"
        "- Giden sunucu: `mail.alanadiniz.com`, port 465, SSL\n"
        "- Kullanıcı adı: e-posta adresinizin tamamı"),
    DemoArticle(
        "email", True,
        "Email you send lands in spam",
        "SPF, DKIM and DMARC records tell other providers that your email is genuine.",
        "Receivers trust email from domains that publish **SPF**, **DKIM** and **DMARC** "
        "records. Our name servers add the first two for you; if your DNS is elsewhere, copy "
        "them from the control panel's *Email authentication* page.\n\nThen send a test to a "
        "Gmail address and look for `dkim=pass` in the original message.",
        "Gönderdiğiniz e-postalar spama düşüyor",
        "SPF, DKIM ve DMARC kayıtları diğer sağlayıcılara e-postanızın gerçek olduğunu söyler.",
        "Alıcılar **SPF**, **DKIM** ve **DMARC** kayıtları yayımlayan alan adlarının "
        "e-postalarına güvenir. Ad sunucularımız ilk ikisini sizin için ekler; DNS'iniz başka "
        "bir yerdeyse kayıtları kontrol panelindeki *E-posta doğrulama* sayfasından "
        "kopyalayın.\n\nArdından bir Gmail adresine deneme gönderin ve özgün iletide "
        "`dkim=pass` ifadesini arayın."),
    DemoArticle(
        "domains-dns", False,
        "Point your domain to our name servers",
        "Two name servers, set at your registrar.",
        "At your registrar, replace the domain's name servers with:\n\n"
        "- `ns1.example-hosting.com`\n- `ns2.example-hosting.com`\n\n"
        "The change reaches most visitors within a few hours.",
        "Alan adınızı ad sunucularımıza yönlendirme",
        "Kayıt firmanızda ayarlanan iki ad sunucusu.",
        "Kayıt firmanızın panelinde alan adının ad sunucularını şunlarla değiştirin:\n\n"
        "- `ns1.example-hosting.com`\n- `ns2.example-hosting.com`\n\n"
        "Değişiklik ziyaretçilerin çoğuna birkaç saat içinde ulaşır."),
    DemoArticle(
        "domains-dns", True,
        "How long DNS changes take",
        "Usually minutes, at most 48 hours: it depends on the record's TTL.",
        "Resolvers keep a record for its **TTL** (time to live). A record with a TTL of 3600 "
        "is refreshed within an hour; a change of name servers can take up to 48 hours.\n\n"
        "Planning a move? Lower the TTL to 300 a day before.",
        "DNS değişikliklerinin yayılma süresi",
        "Genellikle dakikalar, en fazla 48 saat: kaydın TTL değerine bağlıdır.",
        "Çözümleyiciler bir kaydı **TTL** (yaşam süresi) boyunca saklar. TTL değeri 3600 olan "
        "bir kayıt bir saat içinde yenilenir; ad sunucusu değişikliği 48 saate kadar "
        "sürebilir.\n\nTaşıma mı planlıyorsunuz? Bir gün önce TTL değerini 300'e düşürün."),
    DemoArticle(
        "domains-dns", False,
        "Install a free SSL certificate",
        "Let's Encrypt certificates are issued and renewed automatically.",
        "In the control panel open **SSL/TLS**, choose the domain and **Issue**. The "
        "certificate renews itself every 60 days.\n\nThe domain must already point to our "
        "servers, or the check that issues it fails.",
        "Ücretsiz SSL sertifikası kurma",
        "Let's Encrypt sertifikaları otomatik olarak verilir ve yenilenir.",
        "Kontrol panelinde **SSL/TLS** bölümünü açın, alan adını seçin ve **Oluştur** "
        "düğmesine tıklayın. Sertifika her 60 günde bir kendiliğinden yenilenir.\n\nAlan "
        "adının sunucularımıza yönlenmiş olması gerekir; yoksa sertifikayı veren kontrol "
        "başarısız olur."),
    DemoArticle(
        "hosting", False,
        "Upload files over SFTP",
        "Connect with FileZilla or any SFTP client.",
        "Host: your server's name from the welcome email; port **22**; your control panel "
        "user name and password.\n\nPut the files of your domain under `public_html`.",
        "SFTP ile dosya yükleme",
        "FileZilla ya da herhangi bir SFTP istemcisiyle bağlanın.",
        "Sunucu: hoş geldiniz e-postasındaki sunucu adınız; port **22**; kontrol paneli "
        "kullanıcı adınız ve şifreniz.\n\nAlan adınızın dosyalarını `public_html` klasörüne "
        "koyun."),
    DemoArticle(
        "hosting", True,
        "Restore a backup",
        "Daily backups are kept for 14 days; restore files or databases yourself.",
        "We back up every account each night and keep 14 days. In the control panel open "
        "**Backups**, pick a day and restore the files, a database or an email account.\n\n"
        "Need an older copy? Open a ticket: weekly copies are kept for three months.",
        "Yedekten geri yükleme",
        "Günlük yedekler 14 gün saklanır; dosyaları veya veritabanlarını kendiniz geri "
        "yükleyin.",
        "Her hesabı her gece yedekliyor ve 14 gün saklıyoruz. Kontrol panelinde **Yedekler** "
        "bölümünü açın, bir gün seçin ve dosyaları, bir veritabanını ya da bir e-posta "
        "hesabını geri yükleyin.\n\nDaha eski bir kopya mı gerekiyor? Talep açın: haftalık "
        "kopyalar üç ay saklanır."),
    DemoArticle(
        "hosting", False,
        "Change the PHP version",
        "Choose PHP 8.1 to 8.3 for each domain.",
        "In the control panel open **PHP settings**, choose the domain and the version. The "
        "change applies at once.\n\nTest a copy first when you jump several versions.",
        "PHP sürümünü değiştirme",
        "Her alan adı için PHP 8.1 ile 8.3 arasında seçim yapın.",
        "Kontrol panelinde **PHP ayarları** bölümünü açın, alan adını ve sürümü seçin. "
        "Değişiklik hemen uygulanır.\n\nBirkaç sürüm birden atlıyorsanız önce bir kopyada "
        "deneyin."),
    DemoArticle(
        "billing", False,
        "Pay an invoice",
        "By card, bank transfer or from your credit balance.",
        "Open **Invoices** in the billing panel and choose **Pay**. Card payments are "
        "instant; a bank transfer is matched within one working day when you write the "
        "invoice number in its description.",
        "Fatura ödeme",
        "Kartla, havaleyle ya da kredi bakiyenizden.",
        "Fatura panelinde **Faturalar** bölümünü açın ve **Öde** düğmesine tıklayın. Kartla "
        "ödemeler anında işlenir; açıklamasına fatura numarasını yazdığınız havale bir iş "
        "günü içinde eşleştirilir."),
    DemoArticle(
        "billing", False,
        "Renew your hosting plan",
        "Automatic renewal, and what happens when a payment fails.",
        "Plans renew automatically with the saved card, 7 days before the due date. When a "
        "payment fails we email you and retry for 5 days; the service is suspended after "
        "the due date, never deleted for 30 days.",
        "Hosting paketinizi yenileme",
        "Otomatik yenileme ve bir ödeme başarısız olduğunda ne olur.",
        "Paketler, son ödeme tarihinden 7 gün önce kayıtlı kartla otomatik yenilenir. Bir "
        "ödeme başarısız olursa size e-posta gönderir ve 5 gün boyunca yeniden deneriz; "
        "hizmet son ödeme tarihinden sonra askıya alınır, 30 gün boyunca asla silinmez."),
]
