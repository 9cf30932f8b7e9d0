//! What went wrong between evops and a secured cluster, in one line that says how to fix it.
//!
//! librdkafka knows within a second when a broker refused the password, its certificate was not
//! trusted, or the listener speaks another protocol, but it reports that as a log line and then
//! keeps retrying; a user would wait for the whole `--timeout` and then read "cannot reach
//! Kafka". This module turns librdkafka's error texts (taken from its source: rdkafka_broker.c,
//! rdkafka_ssl.c, rdkafka_sasl_scram.c, rdkafka_request.c) into a cause, knowing the client's
//! own security settings. Pure: strings in, a message out. Never prints a secret: it is given
//! no secret, and librdkafka's texts hold none.

use super::Settings;

/// The client's security settings that a diagnosis names (never a password).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Security {
    pub brokers: String,
    /// `security.protocol`, upper case (`PLAINTEXT` when unset).
    pub protocol: String,
    pub mechanism: Option<String>,
    pub user: Option<String>,
    /// `ssl.ca.location` (a path, not a secret).
    pub ca: Option<String>,
}

impl Security {
    pub fn of(settings: &Settings) -> Security {
        let get = |key: &str| {
            settings
                .properties
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        Security {
            brokers: settings.brokers.clone(),
            protocol: get("security.protocol")
                .unwrap_or_else(|| "PLAINTEXT".into())
                .to_ascii_uppercase(),
            mechanism: get("sasl.mechanism")
                .or_else(|| get("sasl.mechanisms"))
                .map(|m| m.to_ascii_uppercase()),
            user: get("sasl.username"),
            ca: get("ssl.ca.location"),
        }
    }

    fn sasl(&self) -> bool {
        self.protocol.starts_with("SASL_")
    }

    fn tls(&self) -> bool {
        self.protocol == "SSL" || self.protocol == "SASL_SSL"
    }
}

/// The kind of a librdkafka error, as far as a diagnosis cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Authentication,
    Ssl,
    Transport,
    Other,
}

/// A cause, and whether one sighting proves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub message: String,
    /// `false` for a guess from a bare disconnect, which a restarting broker could cause too:
    /// it stands only when seen twice.
    pub certain: bool,
}

/// The cause of a connection error, when it is one that retrying will not cure; `None` for
/// errors that may pass (a broker restarting, a refused connection).
pub fn diagnose(kind: Kind, reason: &str, s: &Security) -> Option<Diagnosis> {
    if let Some(message) = certain(kind, reason, s) {
        return Some(Diagnosis {
            message,
            certain: true,
        });
    }
    // A broker name that does not resolve is a typo far more often than a DNS hiccup, but a
    // hiccup passes: seen twice, it stands (another bootstrap broker may answer meanwhile).
    if reason.contains("Failed to resolve") {
        let host = reason
            .split('\'')
            .nth(1)
            .unwrap_or(s.brokers.as_str())
            .to_string();
        return Some(Diagnosis {
            message: format!(
                "the broker address {host} does not resolve (no such host): check -b/--brokers"
            ),
            certain: false,
        });
    }
    // A listener that speaks TLS drops a request sent in the clear before it answers
    // ApiVersion, the first request; librdkafka adds its hint only to some such texts.
    let dropped = reason.contains("Disconnected") && reason.contains("in state APIVERSION_QUERY");
    if dropped && !s.tls() {
        return Some(Diagnosis {
            message: expects_tls(s),
            certain: false,
        });
    }
    // A listener that requires SASL drops a client that sends requests without it, right
    // after the connection is up; librdkafka adds its hint only to some such texts.
    let dropped_when_up = (reason.contains("Disconnected") || reason.contains("Send failed"))
        && ms_in_state(reason, "UP").is_some_and(|ms| ms < 2000);
    if dropped_when_up && !s.sasl() {
        return Some(Diagnosis {
            message: requires_sasl(s),
            certain: false,
        });
    }
    None
}

/// N in librdkafka's "(after Nms in state STATE" tail.
fn ms_in_state(reason: &str, state: &str) -> Option<u64> {
    let (_, tail) = reason.rsplit_once("(after ")?;
    let (ms, rest) = tail.split_once("ms in state ")?;
    let named = rest.split([')', ',']).next()? == state;
    named.then(|| ms.parse().ok()).flatten()
}

fn requires_sasl(s: &Security) -> String {
    let want = if s.tls() {
        "SASL_SSL"
    } else {
        "SASL_PLAINTEXT"
    };
    format!(
        "the broker at {} requires SASL authentication, but security.protocol is {}: pass -X security.protocol={want} -X sasl.mechanism=SCRAM-SHA-512 -X sasl.username=USER -X sasl.password=PASSWORD",
        s.brokers, s.protocol
    )
}

fn expects_tls(s: &Security) -> String {
    let want = if s.sasl() { "SASL_SSL" } else { "SSL" };
    format!(
        "the broker at {} expects TLS, but security.protocol is {}: pass -X security.protocol={want} and -X ssl.ca.location=FILE (the CA of its certificate)",
        s.brokers, s.protocol
    )
}

fn certain(kind: Kind, reason: &str, s: &Security) -> Option<String> {
    let at = &s.brokers;
    if reason.contains("mechanism handshake failed") {
        return Some(mechanism(reason, s));
    }
    if kind == Kind::Authentication
        || reason.contains("SASL authentication error")
        || reason.contains("authentication failed")
    {
        let user = s.user.as_deref().unwrap_or("(no sasl.username)");
        let mech = s.mechanism.as_deref().unwrap_or("GSSAPI");
        return Some(format!(
            "authentication failed for user {user} ({mech}) at {at}: {}; check sasl.username and sasl.password",
            detail(reason)
        ));
    }
    if reason.contains("certificate verify failed") {
        return Some(certificate(reason, s));
    }
    if reason.contains("client SSL authentication might be required") {
        return Some(format!(
            "the broker at {at} wants a client certificate (mutual TLS): pass -X ssl.certificate.location=FILE -X ssl.key.location=FILE"
        ));
    }
    if reason.contains("connecting to a SSL listener?") {
        return Some(expects_tls(s));
    }
    if reason.contains("connecting to a PLAINTEXT broker listener?")
        || (s.tls() && kind == Kind::Ssl && reason.contains("wrong version number"))
    {
        let want = if s.sasl() {
            "SASL_PLAINTEXT"
        } else {
            "PLAINTEXT"
        };
        return Some(format!(
            "the broker at {at} does not speak TLS on this listener, but security.protocol is {}: use -X security.protocol={want}, or the broker's TLS port",
            s.protocol
        ));
    }
    if reason.contains("broker might require SASL authentication") {
        return Some(requires_sasl(s));
    }
    None
}

/// What follows librdkafka's "...failed: " prefixes, for the reason in a message.
fn detail(reason: &str) -> String {
    let mut d = reason;
    for prefix in [
        "SASL authentication error: ",
        "SASL SCRAM authentication failed: ",
        "broker responded with ",
    ] {
        if let Some(i) = d.find(prefix) {
            d = &d[i + prefix.len()..];
        }
    }
    // librdkafka appends "(after 12ms in state AUTH_REQ)" and the like.
    let d = d.split(" (after ").next().unwrap_or(d).trim();
    if d.is_empty() {
        "the broker refused the credentials".into()
    } else {
        format!("the broker refused the credentials ({d})")
    }
}

fn mechanism(reason: &str, s: &Security) -> String {
    let offered = reason
        .split("broker's supported mechanisms: ")
        .nth(1)
        .map_or("", |m| m.split(" (after ").next().unwrap_or(m).trim());
    let mech = s.mechanism.as_deref().unwrap_or("GSSAPI");
    if offered.is_empty() {
        format!(
            "the broker at {} does not use SASL on this listener, but security.protocol is {}: use -X security.protocol={}",
            s.brokers,
            s.protocol,
            if s.tls() { "SSL" } else { "PLAINTEXT" }
        )
    } else {
        format!(
            "the broker at {} does not offer SASL mechanism {mech} (it offers {offered}): set -X sasl.mechanism to one of them",
            s.brokers
        )
    }
}

/// OpenSSL says only "certificate verify failed" for both an unknown CA and a certificate
/// that does not name the host: with no CA given, the CA is the likely cause; with one, either.
fn certificate(reason: &str, s: &Security) -> String {
    let host = s.brokers.split(',').next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if reason.to_ascii_lowercase().contains("mismatch") {
        return format!(
            "the broker's TLS certificate does not name {host} (hostname mismatch): connect with a name the certificate lists, or pass -X ssl.endpoint.identification.algorithm=none to skip the check"
        );
    }
    if let Some(ca) = &s.ca {
        return format!(
            "the broker's TLS certificate is not trusted: it is not signed by the CA in ssl.ca.location ({ca}), or it does not name {host} (hostname mismatch); check the CA file, connect with a name the certificate lists, or pass -X ssl.endpoint.identification.algorithm=none to skip the name check"
        );
    }
    "the broker's TLS certificate is not trusted: pass -X ssl.ca.location=FILE (the CA that signed it)".into()
}

/// The message for an authorization error on a topic, group or the cluster.
pub fn denied(what: &str, code: &str, s: &Security) -> String {
    match &s.user {
        Some(u) => format!("not authorized: the broker denies user {u} access to {what} ({code})"),
        None => format!("not authorized: the broker denies this client access to {what} ({code})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(protocol: &str) -> Security {
        Security {
            brokers: "127.0.0.1:9092".into(),
            protocol: protocol.into(),
            mechanism: protocol.starts_with("SASL").then(|| "SCRAM-SHA-512".into()),
            user: protocol.starts_with("SASL").then(|| "oncall".into()),
            ca: None,
        }
    }

    /// The message of a diagnosis there must be.
    fn message(kind: Kind, reason: &str, s: &Security) -> String {
        diagnose(kind, reason, s).unwrap().message
    }

    /// A diagnosis whose message says `want`.
    fn assert_says(kind: Kind, reason: &str, s: &Security, want: &str) {
        let got = message(kind, reason, s);
        assert!(got.contains(want), "{got}");
    }

    /// A diagnosis that is a guess (not certain) and says `want`.
    fn assert_guess(kind: Kind, reason: &str, s: &Security, want: &str) {
        let d = diagnose(kind, reason, s).unwrap();
        assert!(!d.certain);
        assert!(d.message.contains(want), "{}", d.message);
    }

    #[test]
    fn a_broker_name_that_does_not_resolve_is_named_when_seen_twice() {
        assert_guess(Kind::Transport, "garbage:9092/bootstrap: Failed to resolve 'garbage:9092': Name or service not known (after 2ms in state CONNECT)", &sec("PLAINTEXT"), "garbage:9092 does not resolve");
    }

    // The texts below are librdkafka 2.12's own (see the module docs for where each is made).

    #[test]
    fn a_refused_scram_password_names_user_and_mechanism() {
        let reason = "sasl_plaintext://127.0.0.1:9092/bootstrap: SASL authentication error: SASL SCRAM authentication failed: broker responded with invalid-proof (after 3ms in state AUTH_REQ)";
        let got = message(Kind::Authentication, reason, &sec("SASL_PLAINTEXT"));
        assert_eq!(
            got,
            "authentication failed for user oncall (SCRAM-SHA-512) at 127.0.0.1:9092: the broker refused the credentials (invalid-proof); check sasl.username and sasl.password"
        );
    }

    const UNVERIFIED: &str = "ssl://127.0.0.1:9092/bootstrap: SSL handshake failed: ../ssl/statem/statem_clnt.c:1889:tls_post_process_server_certificate error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified, verify that ssl.ca.location is correctly configured or root CA certificates are installed (install ca-certificates package) (after 6ms in state SSL_HANDSHAKE)";

    #[test]
    fn an_untrusted_certificate_names_the_option_that_fixes_it() {
        let reason = UNVERIFIED;
        let got = message(Kind::Ssl, reason, &sec("SSL"));
        assert_eq!(
            got,
            "the broker's TLS certificate is not trusted: pass -X ssl.ca.location=FILE (the CA that signed it)"
        );
    }

    #[test]
    fn a_certificate_refused_despite_a_ca_names_both_possible_causes() {
        let mut s = sec("SSL");
        s.ca = Some("ca.pem".into());
        assert_says(Kind::Ssl, UNVERIFIED, &s, "not signed by the CA in ssl.ca.location (ca.pem), or it does not name 127.0.0.1 (hostname mismatch)");
    }

    #[test]
    fn a_hostname_mismatch_is_told_apart_from_an_untrusted_certificate() {
        let reason = "ssl://localhost:9092/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: (Hostname mismatch): broker certificate could not be verified";
        let mut s = sec("SSL");
        s.brokers = "localhost:9092".into();
        let got = message(Kind::Ssl, reason, &s);
        assert!(
            got.starts_with("the broker's TLS certificate does not name localhost"),
            "{got}"
        );
    }

    #[test]
    fn plaintext_against_a_tls_listener_says_to_use_tls() {
        let reason = "127.0.0.1:9092/bootstrap: Disconnected while requesting ApiVersion: might be caused by incorrect security.protocol configuration (connecting to a SSL listener?) or broker version is < 0.10 (see api.version.request) (after 2ms in state APIVERSION_QUERY)";
        assert_says(
            Kind::Transport,
            reason,
            &sec("PLAINTEXT"),
            "expects TLS, but security.protocol is PLAINTEXT: pass -X security.protocol=SSL",
        );
        assert_says(
            Kind::Transport,
            reason,
            &sec("SASL_PLAINTEXT"),
            "pass -X security.protocol=SASL_SSL",
        );
        // Without librdkafka's hint, the same cause is a guess until it happens again.
        let bare = "127.0.0.1:9092/bootstrap: Disconnected: connection reset by peer (after 4ms in state APIVERSION_QUERY)";
        assert_guess(Kind::Other, bare, &sec("PLAINTEXT"), "expects TLS");
    }

    #[test]
    fn tls_against_a_plaintext_listener_says_to_drop_tls() {
        let reason = "ssl://127.0.0.1:9092/bootstrap: SSL handshake failed: Disconnected: connection closed by peer: connecting to a PLAINTEXT broker listener? (after 1ms in state SSL_HANDSHAKE)";
        assert_says(Kind::Transport, reason, &sec("SSL"), "does not speak TLS on this listener, but security.protocol is SSL: use -X security.protocol=PLAINTEXT");
    }

    #[test]
    fn no_sasl_against_a_sasl_listener_says_how_to_authenticate() {
        let reason = "127.0.0.1:9092/bootstrap: Disconnected: verify that security.protocol is correctly configured, broker might require SASL authentication (after 1ms in state UP)";
        assert_says(Kind::Transport, reason, &sec("PLAINTEXT"), "requires SASL authentication, but security.protocol is PLAINTEXT: pass -X security.protocol=SASL_PLAINTEXT");
        // Without librdkafka's hint (nisshi 0.8.1 resets the connection), a guess.
        let bare = "127.0.0.1:9092/bootstrap: Disconnected: connection reset by peer (after 0ms in state UP)";
        assert_guess(
            Kind::Other,
            bare,
            &sec("PLAINTEXT"),
            "requires SASL authentication",
        );
        let later = "127.0.0.1:9092/1: Disconnected (after 60003ms in state UP)";
        assert_eq!(diagnose(Kind::Other, later, &sec("PLAINTEXT")), None);
    }

    #[test]
    fn a_mechanism_the_broker_lacks_lists_what_it_offers() {
        let reason = "sasl_plaintext://127.0.0.1:9092/bootstrap: SASL PLAIN mechanism handshake failed: Broker: Unsupported SASL mechanism: broker's supported mechanisms: SCRAM-SHA-256,SCRAM-SHA-512";
        let mut s = sec("SASL_PLAINTEXT");
        s.mechanism = Some("PLAIN".into());
        assert_says(
            Kind::Authentication,
            reason,
            &s,
            "does not offer SASL mechanism PLAIN (it offers SCRAM-SHA-256,SCRAM-SHA-512)",
        );
    }

    #[test]
    fn passing_troubles_are_not_diagnosed() {
        for reason in [
            "127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after 0ms in state CONNECT)",
            "1/1 brokers are down",
            "127.0.0.1:9092/1: Disconnected (after 12004ms in state UP)",
        ] {
            assert_eq!(diagnose(Kind::Transport, reason, &sec("PLAINTEXT")), None, "{reason}");
        }
    }

    #[test]
    fn security_settings_are_read_without_the_password() {
        let s = Security::of(&Settings {
            brokers: "b:1".into(),
            properties: vec![
                ("security.protocol".into(), "sasl_ssl".into()),
                ("sasl.mechanism".into(), "scram-sha-256".into()),
                ("sasl.username".into(), "oncall".into()),
                ("sasl.password".into(), "hunter2".into()),
            ],
            timeout: std::time::Duration::from_secs(1),
            verbose: false,
            notify: crate::endpoint::Notify::default(),
        });
        assert_eq!(s.protocol, "SASL_SSL");
        assert_eq!(s.mechanism.as_deref(), Some("SCRAM-SHA-256"));
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
