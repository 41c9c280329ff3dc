package ai.cocos.tee.vtpm;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.RuntimeMeasurement;
import ai.cocos.api.tee.RuntimeMeasurements;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.tee.vtpm.internal.Gatherer;
import ai.cocos.tee.vtpm.internal.PcrMeasurer;
import ai.cocos.tee.vtpm.internal.VtpmVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code vtpm} platform: TPM 2.0 quotes.
 *
 * <p>Verification checks, each as a finding: the evidence decodes; the attestation key is a
 * restricted TPM signing key (when its TPMT_PUBLIC is given); every quote is a TPM-generated
 * TPMS_ATTEST whose signature verifies under the AK and whose pcrDigest is the digest of the PCR
 * values shipped with it (computed with the signing scheme's hash); several quotes agree on nonce
 * and boot; the event log, if attached, replays to the quoted PCRs; and the policy's {@code vtpm}
 * section: every pinned PCR is quoted with an allowed value, the nonce equals {@code vtpm.nonce},
 * the AK is pinned by {@code vtpm.ak_keys} or its certificate chains to a root in {@code
 * vtpm.ak_roots} at the verification time, and an event log is attached if {@code
 * vtpm.event_log_required}. A policy that pins neither PCRs nor the AK rejects.
 *
 * <p>Gathering speaks raw TPM 2.0 commands to {@link VtpmSettings#device()}; see {@link
 * VtpmSettings}. Works on a plain class path: {@code new VtpmProvider(VtpmSettings.defaults())}.
 *
 * <p>As {@link RuntimeMeasurements}, it measures the computation manifest the agent accepts into
 * PCR16 ({@link ManifestPcr}); on a machine without the TPM it measures nothing. Thread-safe.
 */
public final class VtpmProvider implements TeeProvider, RuntimeMeasurements {
  private final VtpmSettings settings;

  /**
   * A provider with explicit settings.
   *
   * @param settings how to reach the TPM when gathering
   */
  public VtpmProvider(VtpmSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** A provider with the default settings ({@code /dev/tpmrm0}). */
  public VtpmProvider() {
    this(VtpmSettings.defaults());
  }

  @Override
  public String platform() {
    return VTPM;
  }

  @Override
  public boolean canGather() {
    return canOpen(settings.device());
  }

  static boolean canOpen(String device) {
    if (device.startsWith("unix:")) {
      return Files.exists(Path.of(device.substring(5)));
    }
    Path p = Path.of(device);
    return Files.isReadable(p) && Files.isWritable(p);
  }

  /**
   * Quotes the configured PCR banks with {@link EvidenceRequest#nonce()} as qualifying data.
   *
   * @param request the nonce to bind (the report data is not used by a TPM quote)
   * @return TPMS_ATTEST evidence with its signature, AK, PCR values and event log attached
   * @throws AttestationException if the TPM is missing or refuses, naming the device
   */
  @Override
  public Evidence gather(EvidenceRequest request) throws AttestationException {
    return Gatherer.gather(settings, request.nonce());
  }

  @Override
  public Verdict verify(VerificationRequest request) {
    return VtpmVerifier.verify(request);
  }

  /**
   * Measures the manifest's canonical bytes into PCR16 ({@link ManifestPcr}): reset, then the
   * SHA3-256 into the SHA-256 bank and the SHA3-384 into the SHA-384 bank, each if allocated, then
   * read back.
   *
   * @param domain {@link RuntimeMeasurements#MANIFEST}; other domains are not measured
   * @param content the manifest's canonical bytes
   * @return what was extended; empty without a TPM here or for another domain
   * @throws AttestationException if the TPM is here but the measurement failed
   */
  @Override
  public Optional<RuntimeMeasurement> extend(String domain, byte[] content)
      throws AttestationException {
    return PcrMeasurer.extend(settings, canGather(), domain, content);
  }
}
