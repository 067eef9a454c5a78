use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::format as backup_format;
use super::*;
use crate::access::AdminAuthority;
use crate::domain::audit_changes::CodesImported;
use crate::domain::audit_event::AuditEvent;
use crate::domain::timestamp::Timestamp;
use crate::infra::backup_seal::{Keys, Seal};
use crate::infra::checkpoint::SigningKey;
use crate::repo::{self, audit};
use crate::service;

fn pass(p: &[u8]) -> Keys {
    Keys { identities: Vec::new(), passphrase: Some(p.to_vec()) }
}

fn live(dir: &Path) -> PathBuf {
    let data = dir.join("live.db");
    let mut conn = crate::service::data_file::open(&data, Timestamp::EPOCH).unwrap();
    let who = AdminAuthority::system();
    repo::write_once(&mut conn, |tx| {
        for i in 0..5 {
            let event = AuditEvent::of_change(&CodesImported { file: &format!("codes_{i}"), codes: 1 }).unwrap();
            audit::append(tx, Timestamp::from_ms(1_000 + i), who.actor(), &event)?;
        }
        Ok(())
    })
    .unwrap();
    data
}

#[test]
fn backup_verifies_and_a_change_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = live(dir.path());
    let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
    let out = dir.path().join("b").join("one.zip");
    let req =
        BackupRequest { data: &data, out: &out, seal: &Seal::None, key: Some(&key), now: Timestamp::from_ms(2_000) };
    let made = create(&req).unwrap();
    assert_eq!(made.manifest.audit.head_seq, 5);
    assert!(made.manifest.audit.checkpoint.is_some());
    assert!(sidecar(&out).exists());
    assert!(create(&req).err().unwrap().to_string().contains("esiste già"));
    // Only the backup and its sidecar are left: no temp files.
    let names: Vec<String> =
        fs::read_dir(out.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let v = verify(
        &out,
        &Keys::default(),
        Some(&key.public_key()),
        Accept::default(),
        dir.path(),
        Timestamp::from_ms(3_000),
    )
    .unwrap();
    assert_eq!(v.manifest, made.manifest);
    drop(v);
    // Another installation's key: refused.
    let other = SigningKey::load_or_create(&dir.path().join("other.key")).unwrap();
    assert!(matches!(
        verify(&out, &Keys::default(), Some(&other.public_key()), Accept::default(), dir.path(), Timestamp::from_ms(3_000)),
        Err(e) if e.to_string().starts_with("checkpoint di audit")
    ));

    // Encrypted.
    let enc = dir.path().join("b").join("two.zip.enc");
    let req = BackupRequest {
        data: &data,
        out: &enc,
        seal: &Seal::Passphrase(b"pw".to_vec()),
        key: Some(&key),
        now: Timestamp::from_ms(2_001),
    };
    create(&req).unwrap();
    assert!(
        matches!(verify(&enc, &Keys::default(), None, Accept::default(), dir.path(), Timestamp::from_ms(1)), Err(e) if e.to_string().contains("indicare la passphrase"))
    );
    assert!(
        verify(&enc, &pass(b"pw"), Some(&key.public_key()), Accept::default(), dir.path(), Timestamp::from_ms(1))
            .is_ok()
    );
    assert!(
        matches!(verify(&enc, &pass(b"no"), None, Accept::default(), dir.path(), Timestamp::from_ms(1)), Err(e) if e.to_string().contains("passphrase errata"))
    );
    // No temp file left behind by failed verifications.
    assert!(fs::read_dir(dir.path()).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp")));
}

fn add_rows(data: &Path, from: i64, n: i64) {
    let mut conn = crate::service::data_file::open(data, Timestamp::EPOCH).unwrap();
    let who = AdminAuthority::system();
    repo::write_once(&mut conn, |tx| {
        for i in from..from + n {
            let event = AuditEvent::of_change(&CodesImported { file: &format!("codes_{i}"), codes: 0 }).unwrap();
            audit::append(tx, Timestamp::from_ms(10_000 + i), who.actor(), &event)?;
        }
        Ok(())
    })
    .unwrap();
}

fn actions(data: &Path) -> Vec<String> {
    let conn = repo::open_ro(data).unwrap();
    let mut stmt = conn.prepare_cached("SELECT action FROM audit_log ORDER BY seq").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_broken_chain_is_backed_up_flagged_and_restored_only_when_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let data = live(dir.path());
    let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
    {
        let conn = rusqlite::Connection::open(&data).unwrap();
        conn.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET object = 'altered' WHERE seq = 3;")
            .unwrap();
    }
    let out = dir.path().join("broken.zip");
    let req =
        BackupRequest { data: &data, out: &out, seal: &Seal::None, key: Some(&key), now: Timestamp::from_ms(2_000) };
    let made = create(&req).expect("a consistent snapshot is written even with a broken chain");
    assert!(!made.manifest.audit.intact);
    assert!(made.manifest.audit.problem.as_deref().unwrap().contains("riga 3"), "{:?}", made.manifest.audit);
    assert!(made.checkpoint.is_none(), "a broken chain is never signed");
    assert_eq!(made.event().unwrap().detail()["audit_intact"], false);
    let text = {
        let mut a = zip::ZipArchive::new(File::open(&out).unwrap()).unwrap();
        let mut t = String::new();
        a.by_name(backup_format::MANIFEST_ENTRY).unwrap().read_to_string(&mut t).unwrap();
        t
    };
    let m: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(m["audit"]["intact"], false);
    assert!(m["audit"]["problem"].is_string());

    let pk = key.public_key();
    let err = verify(&out, &Keys::default(), Some(&pk), Accept::default(), dir.path(), Timestamp::from_ms(3_000))
        .err()
        .unwrap();
    assert!(err.to_string().contains("catena di audit del backup non integra"), "{err}");
    assert!(err.to_string().contains("--accept-broken-chain"), "{err}");
    // `--allow-unsigned` alone is not enough: the chain is still broken.
    let unsigned = Accept { unsigned: true, broken_chain: false };
    assert!(
        matches!(verify(&out, &Keys::default(), Some(&pk), unsigned, dir.path(), Timestamp::from_ms(3_000)), Err(e) if e.to_string().contains("non integra"))
    );
    let accept = Accept { unsigned: false, broken_chain: true };
    assert!(verify(&out, &Keys::default(), Some(&pk), accept, dir.path(), Timestamp::from_ms(3_000)).is_ok());
}

#[test]
fn backup_refused_without_signed_head_when_the_key_is_known() {
    let dir = tempfile::tempdir().unwrap();
    let data = live(dir.path());
    let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
    // The pre-upgrade kind: written where no key is known.
    let out = dir.path().join("unsigned.zip");
    create(&BackupRequest { data: &data, out: &out, seal: &Seal::None, key: None, now: Timestamp::from_ms(2_000) })
        .unwrap();
    let pk = key.public_key();
    let err = verify(&out, &Keys::default(), Some(&pk), Accept::default(), dir.path(), Timestamp::from_ms(3_000))
        .err()
        .unwrap();
    assert!(err.to_string().contains("(riga 5)"), "{err}");
    assert!(err.to_string().contains("--allow-unsigned"), "{err}");
    let accept = Accept { unsigned: true, broken_chain: false };
    assert!(verify(&out, &Keys::default(), Some(&pk), accept, dir.path(), Timestamp::from_ms(3_000)).is_ok());
    // Without a known key there is nothing to require (the caller warns).
    assert!(verify(&out, &Keys::default(), None, Accept::default(), dir.path(), Timestamp::from_ms(3_000)).is_ok());
}

#[test]
fn restore_writes_its_row_into_the_restored_file_and_rebases_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let data = live(dir.path());
    let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
    let cps = dir.path().join("audit-checkpoints.txt");
    let out = dir.path().join("one.zip");
    let made = create(&BackupRequest {
        data: &data,
        out: &out,
        seal: &Seal::None,
        key: Some(&key),
        now: Timestamp::from_ms(2_000),
    })
    .unwrap();
    crate::infra::checkpoint::append_to_file(&cps, made.checkpoint.as_ref().unwrap()).unwrap();
    // The live file goes on; a checkpoint beyond the backup's head is signed.
    add_rows(&data, 100, 3);
    let head8 = audit::row_hash(&repo::open_ro(&data).unwrap(), 8).unwrap().unwrap();
    let beyond = key.sign(8, head8.try_into().unwrap(), 5_000);
    crate::infra::checkpoint::append_to_file(&cps, &beyond).unwrap();

    let who = AdminAuthority::system();
    let req = RestoreRequest {
        data: &data,
        checkpoint_file: &cps,
        from: &out,
        keys: &Keys::default(),
        trusted_key: Some(&key.public_key()),
        accept: Accept::default(),
        actor: who.actor(),
        now: Timestamp::from_ms(6_000),
    };
    let done = restore(&req).unwrap();
    assert_eq!(done.checkpoints_dropped, 1, "only the checkpoint beyond the head");
    let acts = actions(&data);
    assert_eq!(acts.len(), 6);
    assert_eq!(acts.last().unwrap(), "backup.restore");
    let conn = repo::open_ro(&data).unwrap();
    let report = audit::verify(&conn).unwrap();
    assert!(report.broken.is_none());
    assert_eq!(report.head_seq, 6);
    // The new checkpoint file: the backup's head, not the dropped one; it verifies.
    let now_cps = crate::infra::checkpoint::read_file(&cps).unwrap();
    assert_eq!(now_cps.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![5]);
    assert_eq!(service::audit::check(&conn, 6, &now_cps, &key.public_key()).unwrap(), None);
    // Old files set aside, none deleted; no temp file left.
    for p in &done.moved_aside {
        assert!(p.exists(), "{}", p.display());
    }
    let cps_aside = done.moved_aside.iter().find(|p| file_name(p).starts_with("audit-checkpoints")).unwrap();
    assert_eq!(crate::infra::checkpoint::read_file(cps_aside).unwrap().len(), 2);
    assert_eq!(actions(&done.moved_aside[0]).len(), 8, "the old file, with its WAL, opens complete");
    let names: Vec<String> =
        fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp") && !n.starts_with('.')), "{names:?}");
}

#[test]
fn restore_aborts_when_the_checkpoint_file_disagrees_with_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let data = live(dir.path());
    let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
    let out = dir.path().join("one.zip");
    create(&BackupRequest {
        data: &data,
        out: &out,
        seal: &Seal::None,
        key: Some(&key),
        now: Timestamp::from_ms(2_000),
    })
    .unwrap();
    // A checkpoint at row 3 that the backup's row 3 does not match.
    let cps = dir.path().join("audit-checkpoints.txt");
    crate::infra::checkpoint::append_to_file(&cps, &key.sign(3, [9; 32], 1_500)).unwrap();
    let before = fs::read(&data).unwrap();
    let who = AdminAuthority::system();
    let req = RestoreRequest {
        data: &data,
        checkpoint_file: &cps,
        from: &out,
        keys: &Keys::default(),
        trusted_key: Some(&key.public_key()),
        accept: Accept { unsigned: true, broken_chain: true },
        actor: who.actor(),
        now: Timestamp::from_ms(6_000),
    };
    let err = restore(&req).err().unwrap();
    assert!(err.to_string().contains("non concorda con il file dei checkpoint"), "{err}");
    let text = err.to_string();
    assert!(text.contains("alla riga 3") && text.contains("audit-checkpoints.txt"), "{text}");
    assert_eq!(fs::read(&data).unwrap(), before, "nothing touched");
    assert_eq!(crate::infra::checkpoint::read_file(&cps).unwrap().len(), 1);
    let names: Vec<String> =
        fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.contains("prima-del-ripristino") && !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn backup_key_missing_over_existing_checkpoints_is_refused_not_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let data = live(dir.path());
    let key_path = dir.path().join("audit.key");
    let mut conn = crate::service::data_file::open(&data, Timestamp::EPOCH).unwrap();
    // No checkpoint yet: created.
    let key = service::audit::signing_key(&conn, &key_path).unwrap();
    repo::write_once(&mut conn, |tx| service::audit::write_checkpoint(tx, Timestamp::from_ms(3_000), &key)).unwrap();
    fs::remove_file(&key_path).unwrap();
    let err = service::audit::signing_key(&conn, &key_path).err().unwrap().to_string();
    assert!(err.contains("audit.key") && err.contains("1 checkpoint"), "{err}");
    assert!(!key_path.exists(), "no new key over existing checkpoints");
}

#[test]
fn sealed_to_the_regions_key_the_backup_opens_only_with_its_identity() {
    let dir = tempfile::tempdir().unwrap();
    let data = live(dir.path());
    let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
    let region = age::x25519::Identity::generate();
    let seal = Seal::Recipients(vec![region.to_public()]);
    let out = dir.path().join("b").join("one.zip.age");
    let made =
        create(&BackupRequest { data: &data, out: &out, seal: &seal, key: Some(&key), now: Timestamp::from_ms(2_000) })
            .unwrap();
    assert!(made.encrypted);
    assert_eq!(made.event().unwrap().detail()["sealing"], "age");
    assert!(fs::read(&out).unwrap().starts_with(b"age-encryption.org/v1\n"));
    let err =
        verify(&out, &Keys::default(), None, Accept::default(), dir.path(), Timestamp::from_ms(3_000)).err().unwrap();
    assert!(err.to_string().contains("--identity-file"), "{err}");
    let other = Keys { identities: vec![age::x25519::Identity::generate()], passphrase: None };
    let err = verify(&out, &other, None, Accept::default(), dir.path(), Timestamp::from_ms(3_000)).err().unwrap();
    assert!(err.to_string().contains("non apre questo backup"), "{err}");
    let keys = Keys { identities: vec![region.clone()], passphrase: None };
    let v =
        verify(&out, &keys, Some(&key.public_key()), Accept::default(), dir.path(), Timestamp::from_ms(3_000)).unwrap();
    assert_eq!(v.manifest, made.manifest);
    drop(v);

    // The pre-upgrade backup is sealed too, verified before it was sealed, and leaves no temps.
    let beside = before_upgrade(&data, 4, Timestamp::from_ms(5_000), &seal).unwrap();
    assert!(beside.to_string_lossy().ends_with(".zip.age"), "{}", beside.display());
    assert!(fs::read(&beside).unwrap().starts_with(b"age-encryption.org/v1\n"));
    let accept = Accept { unsigned: true, broken_chain: false };
    assert!(verify(&beside, &keys, Some(&key.public_key()), accept, dir.path(), Timestamp::from_ms(6_000)).is_ok());
    let temps: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
}
