//! The command-type rule: an event's type that reads as a command (`create_comment`, an
//! imperative verb first or last) rather than a fact (`comment_created`), and the fact it
//! should probably name, by a small list of verbs and English past tenses.

/// Imperative verbs that are seldom nouns: a command wherever they stand, first
/// (`create_comment`) or last (`comment.create`, `comment_create`).
const VERBS: &str = "\
    activate add approve assign calculate cancel compute confirm create deactivate delete \
    dequeue destroy disable do enable enqueue execute generate insert invoke modify notify \
    perform publish redo register reject remove rename resend revoke send submit subscribe \
    terminate unassign undo unfollow uninstall unpublish unsubscribe upsert validate \
    verify";

/// Verbs that are as often nouns (a price update, a bank transfer, a page load): a command only
/// first and followed by what they act on (`update_profile`, `transfer_funds`), or alone after
/// a dot (`user.update`).
const VERBS_FIRST: &str = "\
    accept apply archive ban change clear close complete deploy download edit export fetch \
    finish get handle import install invite kill launch load lock make mark merge move \
    mute open pay process purchase put refresh refund reload reply report request reserve \
    reset restore retry save schedule set start stop sync transfer unlock update upload";

/// Words ending in "ed" that are not past tense.
const NOT_PAST: &str = "\
    bed bleed breed deed embed feed greed hundred naked need red sacred seed shed sled \
    speed steed weed wicked";

/// Irregular past tenses and participles.
const IRREGULAR_PAST: &str = "\
    ate began begun bent bought bound broke broken brought built came caught chose chosen \
    cut dealt done drawn drew driven drove dug eaten fallen fed fell felt fled flew flown \
    forgot forgotten fought found froze frozen gave given gone got gotten grew grown had \
    heard held hid hidden hit hung kept knew known laid led left lent lit lost made meant \
    met paid put quit ran read rebuilt redone resent reset risen rode rose said sat saw \
    seen sent set shot shown shut slept slid sold sought spent split spoke spoken spread \
    spun stole stolen stood struck stuck swept swung taken taught thought threw thrown \
    told took torn undone understood went woke woken won wore worn wound wrote written";

/// Whether `list`, words separated by spaces, has `word`.
fn listed(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|w| w == word)
}

fn is_past(word: &str) -> bool {
    listed(IRREGULAR_PAST, word)
        || (word.len() > 3 && word.ends_with("ed") && !listed(NOT_PAST, word))
}

/// Words of one name: split at `_`, `-`, spaces and camel-case humps (`HTTPRequestSent` →
/// http, request, sent), lowercased, each with its byte range in the name.
fn words(s: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut start: Option<usize> = None;
    for (i, &(at, c)) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if let Some(st) = start.take() {
                out.push((s[st..at].to_lowercase(), st..at));
            }
            continue;
        }
        if let Some(st) = start {
            let prev = chars[i - 1].1;
            let next = chars.get(i + 1).map(|&(_, c)| c);
            let hump = c.is_uppercase()
                && (prev.is_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_uppercase() && next.is_some_and(char::is_lowercase)));
            if hump {
                out.push((s[st..at].to_lowercase(), st..at));
                start = Some(at);
            }
        } else {
            start = Some(at);
        }
    }
    if let Some(st) = start {
        out.push((s[st..].to_lowercase(), st..s.len()));
    }
    out
}

/// Words that say nothing about the action: versions and "event".
fn is_noise(word: &str) -> bool {
    let digits = word.strip_prefix('v').unwrap_or(word);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        || matches!(word, "event" | "events" | "evt")
}

/// Why a type name reads as a command rather than a fact, if it does.
///
/// The name is cut into segments at `.`, `:` and `/`, and the last segment (after versions and
/// "event") into words. A last word in the past tense is a fact (`comment_created`,
/// `user_profile_updated`, `tribe_left`); otherwise a first word from [`VERBS`] or
/// [`VERBS_FIRST`] (`create_comment`, `CreateComment`), a last word from [`VERBS`]
/// (`comment_create`), a lone last segment from either after a dot (`comment.create`), or a last
/// word "command" makes a command.
pub(super) fn command_type(name: &str) -> Option<String> {
    // Segments with their byte offsets, without trailing noise such as ".v1".
    let mut segments: Vec<(usize, &str)> = Vec::new();
    let mut at = 0;
    for seg in name.split(['.', ':', '/']) {
        if !seg.is_empty() {
            segments.push((at, seg));
        }
        at += seg.len() + 1;
    }
    while segments
        .last()
        .is_some_and(|(_, s)| is_noise(&s.to_lowercase()))
    {
        segments.pop();
    }
    let &(seg_at, seg) = segments.last()?;
    let mut ws = words(seg);
    while ws.last().is_some_and(|(w, _)| is_noise(w)) {
        ws.pop();
    }
    // Where the suggestion's words go: up to the end of the last word, "Command" included.
    let end = ws.last()?.1.end;
    let command_word = ws.len() > 1 && matches!(ws.last()?.0.as_str(), "command" | "cmd");
    if command_word {
        ws.pop();
    }
    let last = ws.last()?.0.as_str();
    if !command_word && is_past(last) {
        return None;
    }
    let first = ws[0].0.as_str();
    let verb_first = listed(VERBS, first)
        || (listed(VERBS_FIRST, first) && (ws.len() > 1 || segments.len() > 1));
    let verb_last = !verb_first && ws.len() > 1 && listed(VERBS, last);
    if !(verb_first || verb_last || command_word) {
        return None;
    }
    let mut reason = format!("{name:?} reads as a command");
    if verb_first || verb_last {
        let verb = if verb_first { first } else { last };
        reason.push_str(&format!(" ({verb:?}); an event names a fact, e.g. "));
        let start = seg_at + ws[0].1.start;
        let fact = rephrase(&seg[ws[0].1.start..], &ws, verb_first);
        reason.push_str(&format!(
            "{:?}",
            format!("{}{fact}{}", &name[..start], &name[seg_at + end..])
        ));
    } else {
        reason.push_str("; an event names a fact, in the past tense");
    }
    Some(reason)
}

/// The fact a command-style name probably meant: the verb in the past tense after what it acts
/// on, in the name's own style (`create_comment` → `comment_created`, `CreateComment` →
/// `CommentCreated`, `comment.create` → `comment.created`). `seg` is the name from its first
/// word on, for the style.
fn rephrase(seg: &str, ws: &[(String, std::ops::Range<usize>)], verb_first: bool) -> String {
    let mut order: Vec<String> = ws.iter().map(|(w, _)| w.clone()).collect();
    let verb = if verb_first {
        order.remove(0)
    } else {
        order.pop().unwrap_or_default()
    };
    order.push(past_tense(&verb));
    let camel = !seg.contains(['_', '-', ' ']) && seg.chars().any(char::is_uppercase);
    if camel {
        let upper_first = seg.chars().next().is_some_and(char::is_uppercase);
        order
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i == 0 && !upper_first {
                    w.clone()
                } else {
                    capitalize(w)
                }
            })
            .collect()
    } else {
        order.join(if seg.contains('-') { "-" } else { "_" })
    }
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn past_tense(verb: &str) -> String {
    let irregular = [
        ("do", "done"),
        ("get", "got"),
        ("make", "made"),
        ("pay", "paid"),
        ("put", "put"),
        ("redo", "redone"),
        ("resend", "resent"),
        ("reset", "reset"),
        ("send", "sent"),
        ("set", "set"),
        ("undo", "undone"),
    ];
    if let Some((_, past)) = irregular.iter().find(|(v, _)| *v == verb) {
        return past.to_string();
    }
    // Verbs whose last consonant doubles: submitted, stopped, banned, transferred.
    if matches!(verb, "submit" | "stop" | "ban" | "transfer") {
        let last = verb.chars().last().unwrap_or_default();
        return format!("{verb}{last}ed");
    }
    if verb.ends_with('e') {
        return format!("{verb}d");
    }
    if let Some(stem) = verb.strip_suffix('y') {
        if !stem.ends_with(['a', 'e', 'o', 'u']) {
            return format!("{stem}ied");
        }
    }
    format!("{verb}ed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_facts_are_told_apart() {
        let commands = [
            ("create_comment", "comment_created"),
            ("CreateComment", "CommentCreated"),
            ("createComment", "commentCreated"),
            ("comment.create", "comment.created"),
            ("comment_create", "comment_created"),
            ("comments:delete", "comments:deleted"),
            ("update_user_profile", "user_profile_updated"),
            ("user.update", "user.updated"),
            ("add-tag", "tag-added"),
            ("SetPassword", "PasswordSet"),
            ("send_email", "email_sent"),
            ("do_backup", "backup_done"),
            ("make_payment", "payment_made"),
            ("process_order", "order_processed"),
            ("register_user", "user_registered"),
            ("cancel_order", "order_canceled"),
            ("approve_request", "request_approved"),
            ("submit_form", "form_submitted"),
            ("verify_email", "email_verified"),
            ("com.example.CreateComment", "com.example.CommentCreated"),
            ("comment.create.v1", "comment.created.v1"),
            ("CreateCommentEvent", "CommentCreatedEvent"),
            ("create", "created"),
            ("transfer_funds", "funds_transferred"),
        ];
        for (name, fact) in commands {
            let why = command_type(name).unwrap_or_else(|| panic!("{name} should be a command"));
            assert!(why.contains(&format!("e.g. {fact:?}")), "{name}: {why}");
        }
        let why = command_type("CreateCommentCommand").unwrap();
        assert!(why.contains("e.g. \"CommentCreated\""), "{why}");
        let why = command_type("ModerationCommand").unwrap();
        assert!(why.ends_with("in the past tense"), "{why}");
        let facts = [
            "comment_created",
            "CommentCreated",
            "comment.created",
            "user_registered",
            "article_published",
            "article_viewed",
            "tribe_left",
            "user_profile_updated",
            "article_bumped",
            "email_sent",
            "payment_made",
            "order_cancelled",
            "message_read",
            "password_reset",
            "price_update",
            "bank_transfer",
            "page_load",
            "file_upload",
            "profile_update",
            "update",
            "delete_request_received",
            "create_comment_failed",
            "comment.create.requested",
            "address_added",
            "settings_changed",
            "order_processing",
            "new_comment",
            "create_feed_succeeded",
            "user_signed_in",
            "CommentCreated.v2",
            "",
            "...",
        ];
        for name in facts {
            assert_eq!(command_type(name), None, "{name}");
        }
        // "feed" is not a past tense: create_feed is a command.
        assert!(command_type("create_feed").is_some());
    }

    #[test]
    fn words_split_at_separators_and_humps() {
        let w = |s: &str| words(s).into_iter().map(|(w, _)| w).collect::<Vec<_>>();
        assert_eq!(w("HTTPRequestSent"), ["http", "request", "sent"]);
        assert_eq!(w("create_comment-v2"), ["create", "comment", "v2"]);
        assert_eq!(w("userID42Updated"), ["user", "id42", "updated"]);
        assert_eq!(w("a__b"), ["a", "b"]);
    }

    #[test]
    fn past_tenses() {
        for (v, p) in [
            ("create", "created"),
            ("add", "added"),
            ("verify", "verified"),
            ("notify", "notified"),
            ("submit", "submitted"),
            ("send", "sent"),
            ("pay", "paid"),
            ("enqueue", "enqueued"),
        ] {
            assert_eq!(past_tense(v), p);
        }
    }
}
