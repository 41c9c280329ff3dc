package ai.cocos.tee.snp;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.ConfigfsTsm;
import ai.cocos.attestation.Evaluation;
import ai.cocos.attestation.PolicyRules;
import ai.cocos.attestation.collateral.Collateral;
import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.attestation.collateral.CollateralException;
import ai.cocos.attestation.collateral.HttpCollateralFetcher;
import ai.cocos.attestation.guest.GuestDevices;
import ai.cocos.attestation.snp.AmdKds;
import ai.cocos.attestation.snp.SnpPolicyTemplate;
import ai.cocos.attestation.snp.SnpProduct;
import ai.cocos.attestation.snp.SnpReport;
import ai.cocos.attestation.snp.SnpVerifier;
import ai.cocos.attestation.snp.TcbVersion;
import ai.cocos.tee.snp.internal.SevGuest;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The AMD SEV-SNP provider, usable without a framework (the CLI constructs it with {@link
 * SnpSettings}); the OSGi component wraps it.
 *
 * <p>Gathering: inside an SNP guest, through configfs-tsm (provider {@code sev_guest}, Linux 6.7+),
 * else through the sev-guest driver's {@code SNP_GET_EXT_REPORT} ioctl on {@code /dev/sev-guest}
 * (plain {@code SNP_GET_REPORT} where the host offers no extended request); the evidence is the raw
 * report plus the certificate table the host supplied (attachment {@code certs}) when there is one.
 * Verification: see {@link SnpVerifier} (attachments, checks) and {@code POLICY.md} (the {@code
 * snp} policy section). Policies for platform {@code snp} only.
 *
 * <p>Thread-safe.
 */
public final class SnpProvider implements TeeProvider {
  /** The configfs-tsm provider name of SEV-SNP guests. */
  public static final String TSM_PROVIDER = "sev_guest";

  private final SnpSettings settings;
  private final SnpVerifier verifier;
  private final ConfigfsTsm tsm;
  private final Collateral collateral;
  private final GuestDevices devices;

  /**
   * A provider with explicit settings.
   *
   * @param settings the settings
   */
  public SnpProvider(SnpSettings settings) {
    this(settings, GuestDevices.linux());
  }

  /**
   * A provider whose device requests go to the given devices (tests stand in for the driver).
   *
   * @param settings the settings
   * @param devices opens {@link SnpSettings#sevGuestDevice()}
   */
  SnpProvider(SnpSettings settings, GuestDevices devices) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.devices = Objects.requireNonNull(devices, "devices");
    CollateralCache cache = new CollateralCache(settings.collateralCache());
    Collateral collateral =
        settings.fetchCollateral()
            ? new Collateral(cache, new HttpCollateralFetcher())
            : new Collateral(
                cache,
                url -> {
                  throw new CollateralException(
                      "not fetching "
                          + url
                          + ": collateral fetching is"
                          + " turned off in the SEV-SNP provider's settings");
                });
    this.collateral = collateral;
    this.verifier = SnpVerifier.amd(collateral, new AmdKds(settings.kds()));
    this.tsm = new ConfigfsTsm(settings.tsmReportDir());
  }

  /**
   * A provider with the default settings.
   *
   * @return the provider
   */
  public static SnpProvider withDefaults() {
    return new SnpProvider(SnpSettings.defaults());
  }

  /**
   * The settings.
   *
   * @return the settings this provider was made with
   */
  public SnpSettings settings() {
    return settings;
  }

  @Override
  public String platform() {
    return SEV_SNP;
  }

  /**
   * True inside an SEV-SNP guest: the sev-guest driver's device exists (reports come through
   * configfs-tsm where the kernel has it, else through the device).
   *
   * @return whether {@link #gather} can work here
   */
  @Override
  public boolean canGather() {
    return Files.exists(settings.sevGuestDevice());
  }

  @Override
  public Evidence gather(EvidenceRequest request) throws AttestationException {
    if (!Files.exists(settings.sevGuestDevice())) {
      throw new AttestationException(
          "not an SEV-SNP guest: "
              + settings.sevGuestDevice()
              + " does not exist (the sev-guest"
              + " driver is loaded only in an SNP guest)");
    }
    byte[] data = Arrays.copyOf(request.reportData(), EvidenceRequest.MAX_REPORT_DATA);
    byte[] report;
    Optional<byte[]> certs;
    if (tsm.available()) {
      OptionalInt vmpl =
          settings.vmpl() < 0 ? OptionalInt.empty() : OptionalInt.of(settings.vmpl());
      ConfigfsTsm.Report r = tsm.get(data, vmpl, TSM_PROVIDER);
      report = r.outblob();
      certs = r.auxblob();
    } else {
      SevGuest.Result r;
      try {
        r = SevGuest.get(devices, settings.sevGuestDevice(), data, Math.max(0, settings.vmpl()));
      } catch (AttestationException e) {
        throw new AttestationException(
            "configfs-tsm ("
                + settings.tsmReportDir()
                + ") is missing (Linux before 6.7, or configfs not mounted at /sys/kernel/config),"
                + " and the device fallback failed: "
                + e.getMessage(),
            e);
      }
      report = r.report();
      certs = r.certificates();
    }
    // The kernel must have produced a report for exactly this request.
    try {
      SnpReport parsed = SnpReport.parse(report);
      if (!Arrays.equals(parsed.reportData(), data)) {
        throw new AttestationException(
            "the SEV-SNP firmware returned a report for other report"
                + " data than requested: refusing it");
      }
    } catch (ai.cocos.attestation.snp.SnpFormatException e) {
      throw new AttestationException(
          "the SEV-SNP firmware returned a malformed report: " + e.getMessage(), e);
    }
    Map<String, byte[]> attachments = new LinkedHashMap<>();
    certs.ifPresent(a -> attachments.put("certs", a));
    return new Evidence(SEV_SNP, report, attachments);
  }

  @Override
  public Verdict verify(VerificationRequest request) {
    return verifier.verify(request, Set.of(SEV_SNP), Set.of(SEV_SNP));
  }

  /**
   * Writes a policy that pins what the evidence measured (the CLI's {@code attestation policy
   * create snp --from <evidence>}). The evidence must verify cryptographically (signature, chain,
   * chip, TCB) at the given time; revocation is not checked for this.
   *
   * @param evidence the evidence to pin
   * @param at the verification time
   * @param offline whether collateral must not be fetched
   * @return the policy, to review and edit
   * @throws AttestationException listing the failed checks if the evidence does not verify
   */
  public Policy policyFrom(Evidence evidence, Instant at, boolean offline)
      throws AttestationException {
    Evaluation ev = new Evaluation(SEV_SNP);
    Optional<PolicyRules> noCrl =
        PolicyRules.of(new Policy(SEV_SNP, Map.of("snp", Map.of("check_crl", false))))
            .section("snp");
    Optional<SnpVerifier.Verified> v =
        verifier.verifyReport(evidence.report(), evidence.attachments(), noCrl, ev, at, offline);
    if (v.isEmpty()) {
      List<String> why =
          ev.verdict().failures().stream().map(f -> f.rule() + ": " + f.message()).toList();
      throw new AttestationException(
          "the evidence does not verify, so no policy is written from"
              + " it:\n  "
              + why.stream().collect(Collectors.joining("\n  ")));
    }
    return SnpPolicyTemplate.from(v.get(), SEV_SNP);
  }

  /**
   * Fills the collateral cache for offline verification (the CLI's {@code ca-bundle}): the VCEK and
   * VLEK certificate chains and CRLs of each product, and the VCEK of each given report. Items
   * already cached are not fetched again.
   *
   * @param products the products whose chains and CRLs to fetch
   * @param reports reports (v3+, or v2 with one product given) whose VCEKs to fetch
   * @return the URLs now in the cache
   * @throws AttestationException naming the first item that could not be fetched
   */
  public List<java.net.URI> prefetch(List<SnpProduct> products, List<byte[]> reports)
      throws AttestationException {
    AmdKds kds = new AmdKds(settings.kds());
    List<java.net.URI> urls = new java.util.ArrayList<>();
    for (SnpProduct p : products) {
      for (boolean vlek : new boolean[] {false, true}) {
        urls.add(kds.certChain(p, vlek));
        urls.add(kds.crl(p, vlek));
      }
    }
    for (byte[] report : reports) {
      SnpReport r;
      try {
        r = SnpReport.parse(report);
      } catch (ai.cocos.attestation.snp.SnpFormatException e) {
        throw new AttestationException("cannot prefetch the VCEK: " + e.getMessage(), e);
      }
      SnpProduct p = r.cpuidProduct().orElse(products.size() == 1 ? products.get(0) : null);
      if (p == null) {
        throw new AttestationException(
            "a version 2 report carries no CPUID: give exactly one"
                + " product to prefetch its VCEK");
      }
      if (r.signingKey() == SnpReport.KEY_VCEK) {
        urls.add(kds.vcek(p, r.chipId(), TcbVersion.decode(r.reportedTcb(), p)));
      }
    }
    for (java.net.URI u : urls) {
      try {
        collateral.get(u, false);
      } catch (CollateralException e) {
        throw new AttestationException(e.getMessage(), e);
      }
    }
    return List.copyOf(urls);
  }
}
