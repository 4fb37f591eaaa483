// Settings → Mailboxes: the provider field only for OAuth2 sign-in, the password only without.
document.addEventListener("DOMContentLoaded", function () {
  var auth = document.getElementById("id_imap_auth");
  var provider = document.getElementById("id_oauth_provider");
  var password = document.getElementById("id_imap_password");
  if (!auth || !provider || !password) return;
  var providerRow = provider.closest(".mb-3");
  var passwordRow = password.closest(".mb-3");
  function sync() {
    var oauth = auth.value === "oauth2";
    providerRow.hidden = !oauth;
    passwordRow.hidden = oauth;
  }
  auth.addEventListener("change", sync);
  sync();
});
