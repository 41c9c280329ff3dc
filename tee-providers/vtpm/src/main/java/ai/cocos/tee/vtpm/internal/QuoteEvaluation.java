package ai.cocos.tee.vtpm.internal;

import ai.cocos.attestation.Evaluation;
import ai.cocos.attestation.PolicyRules;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The vTPM checks shared by platform {@code vtpm} and the Azure forms: every quote (structure,
 * signature, PCR digest), agreement between quotes, the event log's replay against the quoted PCRs,
 * and the policy's {@code vtpm} section (PCR allow-lists, nonce, AK anchoring, event log required).
 */
final class QuoteEvaluation {
  /** Members of the {@code vtpm} section this provider evaluates. */
  static final Set<String> VTPM_RULES =
      Set.of("pcrs", "nonce", "ak_roots", "ak_keys", "ek_roots", "event_log_required");

  private static final HexFormat HEX = HexFormat.of();

  private final Evaluation ev;
  private final List<QuoteVerifier.Result> results = new ArrayList<>();
  private final Map<Integer, Map<Integer, byte[]>> quoted = new LinkedHashMap<>();
  private boolean eventLogPresent;

  QuoteEvaluation(Evaluation ev) {
    this.ev = ev;
  }

  /** Verifies every quote under the AK and records what they quoted. */
  void quotes(List<RawQuote> quotes, Optional<PublicKey> ak, Optional<TpmtPublic> akPublic) {
    List<String> used = new ArrayList<>();
    for (int i = 0; i < quotes.size(); i++) {
      String prefix = quotes.size() == 1 ? "quote" : "quote." + label(quotes.get(i), i, used);
      QuoteVerifier.Result r = QuoteVerifier.verify(ev, prefix, quotes.get(i), ak, akPublic);
      results.add(r);
      r.values().forEach((bank, v) -> quoted.computeIfAbsent(bank, b -> new TreeMap<>()).putAll(v));
    }
    if (results.size() > 1 && results.stream().allMatch(r -> r.attest().isPresent())) {
      TpmsAttest first = results.get(0).attest().get();
      boolean same =
          results.stream()
              .map(r -> r.attest().get())
              .allMatch(
                  a ->
                      MessageDigest.isEqual(a.extraData(), first.extraData())
                          && a.resetCount() == first.resetCount()
                          && a.restartCount() == first.restartCount());
      ev.check(
          "quotes.consistency",
          same,
          "one nonce, reset and restart count across the quotes",
          same ? "consistent" : "different",
          same
              ? "all quotes answer the same nonce in the same boot"
              : "the quotes differ in nonce, reset count or restart count: they were not made"
                  + " together");
    }
    Optional<TpmsAttest> a = primary();
    if (a.isPresent() && akPublic.isPresent()) {
      qualifiedSigner(a.get(), akPublic.get());
    }
    if (a.isPresent()) {
      TpmsAttest t = a.get();
      ev.claim("vtpm.quote.extra_data", HEX.formatHex(t.extraData()));
      ev.claim("vtpm.quote.clock", Long.toUnsignedString(t.clock()));
      ev.claim("vtpm.quote.reset_count", Long.toString(t.resetCount()));
      ev.claim("vtpm.quote.restart_count", Long.toString(t.restartCount()));
      ev.claim("vtpm.quote.firmware_version", TpmAlg.hex(t.firmwareVersion(), 16));
      ev.claim("vtpm.quote.signature", results.get(0).signature());
    }
    quoted.forEach(
        (bank, v) ->
            v.forEach(
                (i, value) ->
                    ev.claim("vtpm.pcr." + TpmAlg.bankName(bank) + "." + i, HEX.formatHex(value))));
  }

  /** Hierarchies a primary attestation key may live in (Part 2 Table 2:28 TPM_RH). */
  static final Map<Integer, String> HIERARCHIES =
      Map.of(
          0x40000001, "owner",
          0x4000000B, "endorsement",
          0x4000000C, "platform",
          0x40000007, "null");

  /**
   * Binds the AK's public area to the quote: the TPM signs its own qualifiedSigner, which for a
   * primary key is {@code nameAlg || H(hierarchy handle || Name(AK))} (Part 1 §16 "Names",
   * qualified names). Without this, the attributes of a TPMT_PUBLIC shipped next to the quote are
   * only the sender's say-so.
   */
  /** The qualified names a public area has as a primary key, by hierarchy, by exact bytes. */
  private static final ContentCache<Map<String, byte[]>> QUALIFIED = new ContentCache<>(256);

  private static Map<String, byte[]> qualifiedNames(TpmtPublic ak) {
    try {
      return QUALIFIED.get(ak.encoded(), b -> computeQualifiedNames(ak));
    } catch (MalformedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, byte[]> computeQualifiedNames(TpmtPublic ak) {
    byte[] name = ak.name();
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (Map.Entry<Integer, String> h : HIERARCHIES.entrySet()) {
      MessageDigest md = TpmAlg.digest(ak.nameAlg());
      int handle = h.getKey();
      md.update(
          new byte[] {
            (byte) (handle >>> 24), (byte) (handle >>> 16), (byte) (handle >>> 8), (byte) handle
          });
      md.update(name);
      byte[] qn = md.digest();
      byte[] full = new byte[2 + qn.length];
      full[0] = (byte) (ak.nameAlg() >>> 8);
      full[1] = (byte) ak.nameAlg();
      System.arraycopy(qn, 0, full, 2, qn.length);
      out.put(h.getValue(), full);
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  private void qualifiedSigner(TpmsAttest a, TpmtPublic ak) {
    String found = HEX.formatHex(a.qualifiedSigner());
    for (Map.Entry<String, byte[]> h : qualifiedNames(ak).entrySet()) {
      if (MessageDigest.isEqual(h.getValue(), a.qualifiedSigner())) {
        ev.pass(
            "ak.qualified_name",
            "the qualified name of the attestation key",
            found,
            "the quote names this attestation key, a primary key of the "
                + h.getKey()
                + " hierarchy, as its signer");
        ev.claim("vtpm.ak.hierarchy", h.getKey());
        return;
      }
    }
    ev.fail(
        "ak.qualified_name",
        "the qualified name of the attestation key as a primary key",
        found,
        "the quote's qualifiedSigner is not the given TPMT_PUBLIC as a primary key of any"
            + " hierarchy: that public area (and its attributes) is not the signer's; for a child"
            + " key, give the AK as a SubjectPublicKeyInfo (PEM) and pin it");
  }

  private static String label(RawQuote q, int i, List<String> used) {
    String l;
    try {
      List<PcrSelection> s = TpmsAttest.parse(q.attest()).pcrSelect();
      l = s.isEmpty() ? Integer.toString(i) : TpmAlg.bankName(s.get(0).hash());
    } catch (MalformedException e) {
      l = Integer.toString(i);
    }
    if (used.contains(l)) {
      l = l + "." + i;
    }
    used.add(l);
    return l;
  }

  /** The first quote's parsed body, if it parsed. */
  Optional<TpmsAttest> primary() {
    return results.isEmpty() ? Optional.empty() : results.get(0).attest();
  }

  /** Whether every quote's signature and digest held. */
  boolean allValid() {
    return !results.isEmpty() && results.stream().allMatch(QuoteVerifier.Result::valid);
  }

  /** Parses the event log and replays it against the quoted PCRs of every bank both carry. */
  void eventLog(Optional<byte[]> log) {
    if (log.isEmpty()) {
      return;
    }
    eventLogPresent = true;
    Replayed parsed;
    try {
      parsed = REPLAYS.get(log.get(), Replayed::of);
    } catch (MalformedException e) {
      ev.fail("event_log.format", "a TCG event log", "malformed", e.getMessage());
      return;
    }
    ev.claim("vtpm.event_log.events", Integer.toString(parsed.events()));
    int compared = 0;
    for (Map.Entry<Integer, Map<Integer, byte[]>> bank : quoted.entrySet()) {
      Map<Integer, byte[]> replayed = parsed.pcrs().getOrDefault(bank.getKey(), Map.of());
      if (replayed.isEmpty()) {
        continue;
      }
      List<String> mismatched = new ArrayList<>();
      List<Integer> checked = new ArrayList<>();
      for (Map.Entry<Integer, byte[]> r : replayed.entrySet()) {
        byte[] q = bank.getValue().get(r.getKey());
        if (q == null) {
          continue; // this PCR was not quoted: nothing to compare with
        }
        checked.add(r.getKey());
        if (!MessageDigest.isEqual(q, r.getValue())) {
          mismatched.add(
              "PCR"
                  + r.getKey()
                  + " replays to "
                  + Evaluation.shortHex(HEX.formatHex(r.getValue()))
                  + ", quoted "
                  + Evaluation.shortHex(HEX.formatHex(q)));
        }
      }
      if (checked.isEmpty()) {
        continue;
      }
      compared++;
      String name = TpmAlg.bankName(bank.getKey());
      ev.check(
          "event_log.replay." + name,
          mismatched.isEmpty(),
          "the quoted " + name + " PCRs " + checked,
          mismatched.isEmpty() ? "the same values" : String.join("; ", mismatched),
          mismatched.isEmpty()
              ? "the event log replays to the quoted " + name + " PCRs " + checked
              : "the event log does not replay to the quoted "
                  + name
                  + " PCRs: it is not the log"
                  + " of this boot, or was altered");
    }
    if (compared == 0) {
      ev.fail(
          "event_log.replay",
          "an event log covering quoted PCRs",
          "banks " + parsed.pcrs().keySet().stream().map(TpmAlg::bankName).toList(),
          "the event log covers none of the quoted PCRs, so it cannot be checked");
    }
  }

  /**
   * An event log's replay in every bank it carries: deterministic, so kept by the log's exact bytes
   * (a machine's log repeats from quote to quote).
   */
  record Replayed(int events, Map<Integer, Map<Integer, byte[]>> pcrs) {
    static Replayed of(byte[] log) throws MalformedException {
      TcgEventLog parsed = TcgEventLog.parse(log);
      Map<Integer, Map<Integer, byte[]>> pcrs = new LinkedHashMap<>();
      for (int bank : parsed.banks().keySet()) {
        Map<Integer, byte[]> r = parsed.replay(bank);
        if (!r.isEmpty()) {
          pcrs.put(bank, java.util.Collections.unmodifiableMap(r));
        }
      }
      return new Replayed(parsed.events().size(), java.util.Collections.unmodifiableMap(pcrs));
    }
  }

  private static final ContentCache<Replayed> REPLAYS = new ContentCache<>(64);

  /** Evaluates the {@code vtpm} section (and the AK and EK rules) of a usable policy. */
  void policy(
      PolicyRules vtpm,
      PublicKey ak,
      Optional<X509Certificate> akCert,
      List<X509Certificate> chain,
      Map<String, byte[]> attachments,
      Instant at,
      boolean boundByHardware) {
    ev.unknownRules(vtpm, VTPM_RULES);
    Optional<TpmsAttest> a = primary();
    Optional<byte[]> nonce = vtpm.hex("nonce");
    byte[] extra = a.map(TpmsAttest::extraData).orElse(new byte[0]);
    if (nonce.isPresent()) {
      ev.equalHex("vtpm.nonce", nonce, extra, "quote nonce (extraData)");
    } else {
      ev.pass(
          "vtpm.nonce",
          "not pinned",
          HEX.formatHex(extra),
          "the policy pins no nonce, so this quote may be a replay of an older one: pin the nonce"
              + " you sent in vtpm.nonce");
    }
    pcrs(vtpm);
    AkTrust.evaluate(ev, vtpm, ak, akCert, chain, at, boundByHardware);
    AkTrust.endorsement(ev, vtpm, attachments, at);
    boolean required = vtpm.bool("event_log_required", false);
    if (required) {
      ev.check(
          "vtpm.event_log_required",
          eventLogPresent,
          "an event log",
          eventLogPresent ? "an event log" : "no event log",
          eventLogPresent
              ? "the evidence carries an event log"
              : "the policy requires an event log and the evidence has none");
    }
  }

  @SuppressWarnings("unchecked")
  private void pcrs(PolicyRules vtpm) {
    Object raw = vtpm.raw("pcrs");
    if (!(raw instanceof Map<?, ?> banks) || banks.isEmpty()) {
      ev.missingMeasurement("vtpm.pcrs", "PCR value", "none");
      return;
    }
    for (Map.Entry<?, ?> b : banks.entrySet()) {
      String bank = String.valueOf(b.getKey());
      int alg = TpmAlg.hashOf(bank);
      Map<Integer, byte[]> values = quoted.getOrDefault(alg, Map.of());
      for (Map.Entry<?, ?> e : ((Map<?, ?>) b.getValue()).entrySet()) {
        String rule = "vtpm.pcrs." + bank + "." + e.getKey();
        List<String> allowed = (List<String>) e.getValue();
        byte[] v = values.get(Integer.parseInt(String.valueOf(e.getKey())));
        if (v == null) {
          ev.fail(
              rule,
              Evaluation.listed(allowed),
              "not quoted",
              "the policy pins " + bank + " PCR " + e.getKey() + " but no quote covers it");
          continue;
        }
        if (Integer.parseInt(String.valueOf(e.getKey())) == ai.cocos.tee.vtpm.ManifestPcr.PCR) {
          manifest(rule, bank, allowed, v);
        } else {
          ev.allowList(rule, Optional.of(allowed), v, bank + " PCR " + e.getKey());
        }
      }
    }
  }

  /** PCR16 holds the manifest the agent accepted ({@link ai.cocos.tee.vtpm.ManifestPcr}). */
  private void manifest(String rule, String bank, List<String> allowed, byte[] found) {
    String f = HEX.formatHex(found);
    boolean ok = allowed.stream().anyMatch(a -> a.equalsIgnoreCase(f));
    boolean none = MessageDigest.isEqual(found, new byte[found.length]);
    ev.check(
        rule,
        ok,
        Evaluation.listed(allowed),
        f,
        ok
            ? bank + " PCR16 holds the expected computation manifest"
            : bank
                + " PCR16 is "
                + Evaluation.shortHex(f)
                + ", the policy expects "
                + Evaluation.listed(allowed.stream().map(Evaluation::shortHex).toList())
                + (none
                    ? ": the VM holds no manifest (none was measured since boot)"
                    : ": the VM holds another manifest than the one the policy was written for"));
  }

  /** The SPKI fingerprint claim. */
  static void akClaims(Evaluation ev, PublicKey ak, Optional<TpmtPublic> akPublic) {
    ev.claim("vtpm.ak.sha256", AkTrust.fingerprint(ak));
    akPublic.ifPresent(p -> ev.claim("vtpm.ak.name", HEX.formatHex(p.name())));
  }
}
