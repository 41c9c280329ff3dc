package ai.cocos.tee.vtpm.internal;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Evaluation;
import ai.cocos.attestation.PolicyRules;
import java.security.PublicKey;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies platform-{@code vtpm} evidence: the quotes under the attestation key, the PCR values
 * against each quote's digest, the event log against the quoted PCRs, the AK against the policy's
 * pinned roots or keys, and the policy's PCR and nonce rules. Stateless and thread-safe.
 */
public final class VtpmVerifier {
  /** Top-level policy members a {@code vtpm} policy may have. */
  static final Set<String> TOP_RULES = Set.of("allow_emulated", "description", "vtpm");

  private VtpmVerifier() {}

  /**
   * Verifies.
   *
   * @param request evidence, policy, time
   * @return the verdict, listing every check
   */
  public static Verdict verify(VerificationRequest request) {
    Evaluation ev = Evaluation.start(TeeProvider.VTPM, request.policy(), Set.of(TeeProvider.VTPM));
    try {
      run(ev, request);
    } catch (RuntimeException e) {
      // Never throw for bad evidence: an unexpected failure is a failed verdict naming it.
      ev.fail(
          "verification",
          "a completed verification",
          "internal error",
          "verification failed: " + e);
    }
    return ev.verdict();
  }

  private static void run(Evaluation ev, VerificationRequest request) {
    Evidence evidence = request.evidence();
    if (!TeeProvider.VTPM.equals(evidence.platform())) {
      ev.fail(
          "evidence.platform",
          TeeProvider.VTPM,
          evidence.platform(),
          "the evidence is for platform " + evidence.platform() + ", not vtpm");
      return;
    }
    QuoteBundle bundle;
    try {
      bundle = QuoteBundle.decode(evidence);
    } catch (MalformedException e) {
      ev.fail("evidence", "vTPM evidence", "malformed", e.getMessage());
      return;
    }
    Optional<TpmtPublic> akPublic = Optional.empty();
    Optional<PublicKey> ak = Optional.empty();
    try {
      if (bundle.akPublic().isPresent()) {
        akPublic = Optional.of(TpmtPublic.parseCached(bundle.akPublic().get()));
        ak = akPublic.map(TpmtPublic::key);
        attributes(ev, akPublic.get());
      } else if (bundle.akSpki().isPresent()) {
        ak = Optional.of(QuoteBundle.publicKey(bundle.akSpki().get()));
      } else if (bundle.akCert().isPresent()) {
        ak = Optional.of(bundle.akCert().get().getPublicKey());
      } else {
        ev.fail(
            "ak.public",
            "the attestation key (ak_pub or ak_cert)",
            "none",
            "the evidence names no attestation key: attach ak_pub or ak_cert");
      }
    } catch (MalformedException e) {
      ev.fail("ak.public", "the attestation key's public area", "malformed", e.getMessage());
    }
    QuoteEvaluation quotes = new QuoteEvaluation(ev);
    quotes.quotes(bundle.quotes(), ak, akPublic);
    quotes.eventLog(bundle.eventLog());
    if (bundle.teeAttestation()) {
      ev.claim(
          "vtpm.tee_attestation",
          "present but not verified under platform vtpm (verify it with its own platform)");
    }
    Optional<TpmtPublic> pub = akPublic;
    ak.ifPresent(k -> QuoteEvaluation.akClaims(ev, k, pub));
    ev.emulation(false, request.policy());
    if (!ev.policyUsable()) {
      return;
    }
    PolicyRules top = PolicyRules.of(request.policy());
    ev.unknownRules(top, TOP_RULES);
    Optional<PolicyRules> section = top.section("vtpm");
    if (section.isEmpty()) {
      ev.missingMeasurement("vtpm.pcrs", "PCR value", "none");
      return;
    }
    if (ak.isEmpty()) {
      return; // already failed: nothing to anchor
    }
    quotes.policy(
        section.get(),
        ak.get(),
        bundle.akCert(),
        bundle.chain(),
        evidence.attachments(),
        request.at(),
        false);
  }

  /** A key that signs quotes must be a restricted signing key that never left its TPM. */
  static void attributes(Evaluation ev, TpmtPublic p) {
    long have = p.attributes() & TpmtPublic.AK_REQUIRED;
    boolean ok = have == TpmtPublic.AK_REQUIRED;
    ev.check(
        "ak.attributes",
        ok,
        "fixedTPM, sensitiveDataOrigin, restricted, sign",
        "TPMA_OBJECT " + TpmAlg.hex(p.attributes(), 8),
        ok
            ? "the attestation key is a restricted signing key generated in and bound to its TPM"
            : "the attestation key is not a restricted, TPM-resident signing key: such a key can"
                + " sign data that merely looks like a quote");
  }
}
