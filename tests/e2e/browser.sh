#!/usr/bin/env bash
# Browser end-to-end: Debian's headless Chromium against the real binary, with the demo's
# smartcard certificates in an NSS DB under a test-owned HOME and chosen without a dialog
# (auto_select_certificate). Asserts on the rendered DOM; saves screenshots.
# Usage: tests/e2e/browser.sh [path/to/ricolloca]   (needs chromium, certutil, pk12util, openssl)
set -euo pipefail
BIN=${1:-target/debug/ricolloca}
OUT=${E2E_OUT:-target/e2e}
WORK=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# The pages checked below are the ones after the tracking notice (tests/oversight.rs covers it).
RICOLLOCA_AUDIT__NOTICE_REQUIRED=false "$BIN" demo --dir "$WORK/demo" --listen "127.0.0.1:$PORT" >"$WORK/demo.out" 2>"$WORK/demo.err" &
SERVER=$!
for _ in $(seq 1 300); do grep -q "in ascolto" "$WORK/demo.out" 2>/dev/null && break; sleep 0.1; done
grep -q "in ascolto" "$WORK/demo.out" || { echo "server did not start"; cat "$WORK/demo.err"; exit 1; }

passed=0; failed=0
# profile NAME P12-FILE|none: an NSS DB (HOME) and a Chromium profile that picks that card.
profile() {
  local name=$1 p12=$2 home="$WORK/$1/home" ud="$WORK/$1/profile"
  mkdir -p "$home/.pki/nssdb" "$ud/Default"
  certutil -N -d "sql:$home/.pki/nssdb" --empty-password
  certutil -A -d "sql:$home/.pki/nssdb" -n "Demo CA" -t "CT,," -i "$WORK/demo/certificati/ca-formazione.pem"
  if [ "$p12" != none ]; then
    pk12util -i "$WORK/demo/persone/$p12.p12" -d "sql:$home/.pki/nssdb" -W formazione >/dev/null
    local cn
    cn=$(openssl x509 -in "$WORK/demo/persone/$p12.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p')
    printf '{"profile":{"content_settings":{"exceptions":{"auto_select_certificate":{"https://127.0.0.1:%s,*":{"setting":{"filters":[{"SUBJECT":{"CN":"%s"}}]}}}}}}}' "$PORT" "$cn" >"$ud/Default/Preferences"
  fi
}
chrome() { # chrome PROFILE PATH ARGS...
  local name=$1 path=$2; shift 2
  HOME="$WORK/$name/home" timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$WORK/$name/profile" --window-size=1280,1000 "$@" "https://127.0.0.1:$PORT$path" 2>/dev/null
}
# check PROFILE PATH SHOT TEXT...: the page's DOM contains every TEXT.
check() {
  local name=$1 path=$2 shot=$3; shift 3
  local dom; dom=$(chrome "$name" "$path" --dump-dom || true)
  chrome "$name" "$path" --screenshot="$OUT/$shot.png" >/dev/null || true
  for text in "$@"; do
    if grep -qF -- "$text" <<<"$dom"; then :; else
      echo "FAIL $name $path: missing «$text»"; failed=$((failed + 1)); return
    fi
  done
  echo "ok   $name $path"; passed=$((passed + 1))
}

profile anonimo none
profile operatore operatore-mario-rossi
profile regione regione-maria-bianchi
profile revisore revisore-giuseppe-verdi
profile revocato operatore-paolo-galli-revocato

check anonimo / landing "Accesso riservato con Carta Nazionale dei Servizi" "PIN"
check anonimo /cruscotto anonimo-cruscotto "Accesso con smartcard richiesto"
check operatore / operatore-home "Buongiorno, Mario Rossi" "Operatore del soggetto accreditato"
check operatore /cruscotto cruscotto "Cruscotto dei destinatari" "7 destinatari" "Esposito"
check operatore /destinatari/1 scheda "Assegno di ricollocazione" "SPSGLI88M52D612G" "Sezione VI"
check operatore /destinatari/1/sap sap "Sezione 4" "Magazzini Generali Fiorentini" "A02 — Stipula del patto"
check operatore /destinatari/8 altro-soggetto "Pagina non trovata"
check operatore /destinatari/1/programma programma "Programma di ricerca intensiva" "Salva e genera il PDF"
check operatore "/destinatari/1/azioni/nuova?tipo=C06" azione-c06 "Registra un" "Codice fiscale o partita IVA dell" "Programma firmato (facoltativo)"
check operatore /destinatari/1/azioni/25 azione "1700000001" "Storia degli eventi" "10 — Terminata"
check regione /regione/idol idol "Alimentazione della banca dati IDOL" "Genera e scarica"
check regione / regione-home "Buongiorno, Maria Bianchi" "Amministrazione regionale"
check regione /regione/soggetti soggetti "Lavoro Futuro Società Cooperativa" "Orienta Toscana S.r.l."
check regione /regione/operatori operatori "Operatori e personale regionale" "Galli"
check revisore /regione/soggetti revisore-soggetti "Lavoro Futuro" 
check revisore /cruscotto revisore-cruscotto "Accesso negato"
check revocato / revocato "Accesso negato" "revocato"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
