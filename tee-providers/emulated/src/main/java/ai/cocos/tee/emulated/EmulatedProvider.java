package ai.cocos.tee.emulated;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import ai.cocos.attestation.Evaluation;
import ai.cocos.attestation.PolicyRules;
import ai.cocos.attestation.snp.SnpPolicyTemplate;
import ai.cocos.attestation.snp.SnpReport;
import ai.cocos.attestation.snp.SnpVerifier;
import ai.cocos.tee.emulated.internal.EmulatedIdentity;
import ai.cocos.tee.emulated.internal.Measurement;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A TEE provider for machines without a TEE, so that the whole attestation path can be exercised
 * end to end: evidence in the SEV-SNP report format (same parser, same verifier as real SNP),
 * signed by an emulated VCEK that an emulated ARK issued. The ARK and VCEK are created once in
 * {@link EmulatedSettings#dir()} and kept.
 *
 * <p>Evidence: platform {@code emulated}, the report, and attachments {@code vcek}, {@code ark}
 * (DER) and {@code crl} (a CRL of the emulated ARK, current for a week from gathering).
 *
 * <p>Verification always marks the verdict {@link Verdict#emulated()} and adds a finding that says
 * "emulated, not a real TEE". It passes only under a policy for platform {@code emulated} (or one
 * with {@code "allow_emulated": true}) that pins the emulated ARK's SHA-256 in {@code snp.roots}
 * ({@link #rootSha256()}); a policy for {@code snp} without {@code allow_emulated} rejects it. The
 * policy's {@code snp} section applies as for real SNP evidence.
 *
 * <p>Thread-safe.
 */
public final class EmulatedProvider implements TeeProvider {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final EmulatedSettings settings;
  private final SnpVerifier verifier = SnpVerifier.emulated();
  private final Clock clock;
  private volatile EmulatedIdentity identity;
  private volatile byte[] measurement;

  /**
   * A provider with explicit settings.
   *
   * @param settings the settings
   */
  public EmulatedProvider(EmulatedSettings settings) {
    this(settings, Clock.systemUTC());
  }

  /**
   * A provider with explicit settings and clock (the clock dates gathered CRLs only).
   *
   * @param settings the settings
   * @param clock the clock
   */
  public EmulatedProvider(EmulatedSettings settings, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public String platform() {
    return EMULATED;
  }

  /**
   * Always true: emulation needs no hardware.
   *
   * @return {@code true}
   */
  @Override
  public boolean canGather() {
    return true;
  }

  /**
   * The SHA-256 of the emulated ARK's DER: what a policy pins in {@code snp.roots} to accept this
   * machine's emulated evidence. Creates the identity if needed.
   *
   * @return 64 hex digits
   * @throws AttestationException if the identity cannot be created or loaded
   */
  public String rootSha256() throws AttestationException {
    return Certs.sha256(identity().ark());
  }

  @Override
  public Evidence gather(EvidenceRequest request) throws AttestationException {
    EmulatedIdentity id = identity();
    byte[] reportId = new byte[32];
    RANDOM.nextBytes(reportId);
    long tcb =
        (long) EmulatedIdentity.BL
            | ((long) EmulatedIdentity.TEE << 8)
            | ((long) EmulatedIdentity.SNP << 48)
            | ((long) EmulatedIdentity.UCODE << 56);
    byte[] unsigned =
        SnpReport.encode(
            new SnpReport.Fields(
                3,
                0,
                0x30000L, // SMT allowed, reserved bit 17 set, debug and migration off
                new byte[0],
                new byte[0],
                settings.vmpl(),
                tcb,
                0x1L,
                SnpReport.KEY_VCEK,
                request.reportData(),
                measurement(),
                settings.hostData(),
                reportId,
                0x19, // CPUID family of Milan
                0x01,
                0x01,
                id.chipId(),
                1,
                55,
                0));
    byte[] report = SnpReport.withSignature(unsigned, id.sign(SnpReport.signedPart(unsigned)));
    Map<String, byte[]> attachments = new LinkedHashMap<>();
    attachments.put("vcek", Certs.der(id.vcek()));
    attachments.put("ark", Certs.der(id.ark()));
    attachments.put("crl", id.crl(clock.instant()));
    return new Evidence(EMULATED, report, attachments);
  }

  @Override
  public Verdict verify(VerificationRequest request) {
    return verifier.verify(request, Set.of(EMULATED), Set.of(EMULATED, SEV_SNP));
  }

  /**
   * Writes a policy for platform {@code emulated} that pins what the evidence measured and the
   * emulated root it carries (trusting that root is the caller's explicit choice: do this only with
   * evidence you gathered yourself).
   *
   * @param evidence emulated evidence
   * @param at the verification time
   * @return the policy
   * @throws AttestationException listing the failed checks if the evidence does not verify
   */
  public Policy policyFrom(Evidence evidence, Instant at) throws AttestationException {
    List<String> roots;
    try {
      byte[] ark = evidence.attachments().get("ark");
      if (ark == null) {
        throw new AttestationException("the evidence carries no emulated root (attachment 'ark')");
      }
      X509Certificate root = Certs.readOne(ark);
      roots = List.of(Certs.sha256(root));
    } catch (ChainException e) {
      throw new AttestationException(
          "the evidence's emulated root is malformed: " + e.getMessage(), e);
    }
    Evaluation ev = new Evaluation(EMULATED);
    Optional<PolicyRules> pinned =
        PolicyRules.of(
                new Policy(EMULATED, Map.of("snp", Map.of("roots", roots, "check_crl", false))))
            .section("snp");
    Optional<SnpVerifier.Verified> v =
        verifier.verifyReport(evidence.report(), evidence.attachments(), pinned, ev, at, true);
    if (v.isEmpty()) {
      throw new AttestationException(
          "the evidence does not verify, so no policy is written from"
              + " it:\n  "
              + ev.verdict().failures().stream()
                  .map(f -> f.rule() + ": " + f.message())
                  .collect(Collectors.joining("\n  ")));
    }
    return SnpPolicyTemplate.from(v.get(), EMULATED);
  }

  private EmulatedIdentity identity() throws AttestationException {
    EmulatedIdentity id = identity;
    if (id == null) {
      synchronized (this) {
        id = identity;
        if (id == null) {
          id = EmulatedIdentity.loadOrCreate(settings.dir());
          identity = id;
        }
      }
    }
    return id;
  }

  private byte[] measurement() throws AttestationException {
    byte[] m = measurement;
    if (m == null) {
      m = Measurement.of(settings.measuredPaths());
      measurement = m;
    }
    return m;
  }
}
