//! Measures the physical ceilings the benchmark compares Warden with, using the same primitives
//! Warden uses: RS256 (RSA-2048 PKCS#1 v1.5 SHA-256, aws-lc-rs) signatures per second on 1 and on
//! all cores, and the time of one argon2id hash with the given parameters (fresh memory, as the
//! argon2 crate's default API allocates it). Prints one JSON object.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::RSA_PKCS1_SHA256;

fn rs256_per_sec(threads: usize, run: Duration) -> f64 {
    let key = std::sync::Arc::new(KeyPair::generate(KeySize::Rsa2048).expect("key"));
    // A Cognito-sized access-token signing input.
    let message = vec![b'a'; 700];
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (key, message) = (key.clone(), message.clone());
            std::thread::spawn(move || {
                let rng = SystemRandom::new();
                let mut sig = vec![0u8; key.public_modulus_len()];
                let start = Instant::now();
                let mut n = 0u64;
                while start.elapsed() < run {
                    key.sign(&RSA_PKCS1_SHA256, &rng, &message, &mut sig).expect("sign");
                    n += 1;
                }
                n as f64 / start.elapsed().as_secs_f64()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("thread")).sum()
}

fn argon2_ms(m_kib: u32, t: u32, p: u32, rounds: u32) -> f64 {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(m_kib, t, p, Some(32)).expect("params"));
    let mut out = [0u8; 32];
    argon.hash_password_into(b"warm-up", b"saltsaltsaltsalt", &mut out).expect("hash");
    let start = Instant::now();
    for i in 0..rounds {
        argon.hash_password_into(format!("password-{i}").as_bytes(), b"saltsaltsaltsalt", &mut out).expect("hash");
    }
    start.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds)
}

fn main() {
    let args: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (m, t, p) = match args.as_slice() {
        [m, t, p, ..] => (*m, *t, *p),
        _ => (19 * 1024, 2, 1),
    };
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let one = rs256_per_sec(1, Duration::from_secs(2));
    let all = rs256_per_sec(cores, Duration::from_secs(2));
    let hash_ms = argon2_ms(m, t, p, 20);
    println!(
        "{}",
        serde_json::json!({
            "cores": cores,
            "rs256_signs_per_sec_1_thread": one.round(),
            "rs256_signs_per_sec_all_cores": all.round(),
            "argon2id_params": { "memory_kib": m, "iterations": t, "parallelism": p },
            "argon2id_ms_per_hash": (hash_ms * 100.0).round() / 100.0,
        })
    );
}
