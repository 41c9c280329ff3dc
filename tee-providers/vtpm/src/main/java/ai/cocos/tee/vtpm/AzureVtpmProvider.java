package ai.cocos.tee.vtpm;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.tee.vtpm.internal.AzureGatherer;
import ai.cocos.tee.vtpm.internal.AzureVerifier;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * Azure confidential VMs: platforms {@code azure-snp-vtpm} (SEV-SNP) and {@code azure-tdx-vtpm}
 * (TDX). The evidence's report is the HCL report the vTPM holds in NV index 0x01400001; its runtime
 * data names the vTPM attestation key, and the runtime data's hash is the hardware report's report
 * data. Verification checks that binding, the vTPM quote under that key (as {@link VtpmProvider}
 * does), and the hardware report through the SEV-SNP or TDX provider, whose findings join the
 * verdict prefixed {@code snp.} or {@code tdx.}.
 *
 * <p>Plugins never depend on each other: the hardware provider comes from a lookup given to the
 * constructor (in OSGi, the services registered for {@code cocos.tee.platform} {@code snp} and
 * {@code tdx}; on a plain class path, {@link #serviceLoader()} or explicit instances). If it is
 * missing, the verdict fails saying which provider to install. Thread-safe.
 */
public final class AzureVtpmProvider implements TeeProvider {
  /** Platform id of Azure SEV-SNP confidential VMs. */
  public static final String AZURE_SNP_VTPM = "azure-snp-vtpm";

  /** Platform id of Azure TDX confidential VMs. */
  public static final String AZURE_TDX_VTPM = "azure-tdx-vtpm";

  private final String platform;
  private final VtpmSettings settings;
  private final AzureSettings azure;
  private final Function<String, Optional<TeeProvider>> providers;

  /**
   * A provider.
   *
   * @param platform {@link #AZURE_SNP_VTPM} or {@link #AZURE_TDX_VTPM}
   * @param settings how to reach the vTPM when gathering
   * @param azure the Azure-specific gathering settings
   * @param providers finds the hardware provider of a platform id ({@code snp} or {@code tdx});
   *     called on every verification, so providers may come and go
   */
  public AzureVtpmProvider(
      String platform,
      VtpmSettings settings,
      AzureSettings azure,
      Function<String, Optional<TeeProvider>> providers) {
    if (!AZURE_SNP_VTPM.equals(platform) && !AZURE_TDX_VTPM.equals(platform)) {
      throw new IllegalArgumentException(
          "platform must be " + AZURE_SNP_VTPM + " or " + AZURE_TDX_VTPM + ", not " + platform);
    }
    this.platform = platform;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.azure = Objects.requireNonNull(azure, "azure");
    this.providers = Objects.requireNonNull(providers, "providers");
  }

  /**
   * A verifier-side provider with default gathering settings and the given hardware providers.
   *
   * @param platform {@link #AZURE_SNP_VTPM} or {@link #AZURE_TDX_VTPM}
   * @param hardware the hardware providers, e.g. the SEV-SNP provider
   * @return the provider
   */
  public static AzureVtpmProvider of(String platform, List<TeeProvider> hardware) {
    List<TeeProvider> copy = List.copyOf(hardware);
    return new AzureVtpmProvider(
        platform,
        VtpmSettings.defaults().withAkHandle(AzureSettings.AK_HANDLE),
        AzureSettings.defaults(),
        id -> copy.stream().filter(p -> id.equals(p.platform())).findFirst());
  }

  /**
   * A lookup over the {@link TeeProvider}s {@link ServiceLoader} finds on the class path (for plain
   * class-path use, where the SEV-SNP and TDX jars declare their providers).
   *
   * @return the lookup
   */
  public static Function<String, Optional<TeeProvider>> serviceLoader() {
    return id ->
        ServiceLoader.load(TeeProvider.class, AzureVtpmProvider.class.getClassLoader()).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> id.equals(p.platform()))
            .findFirst();
  }

  @Override
  public String platform() {
    return platform;
  }

  /**
   * Whether this is an Azure confidential VM: the vTPM opens and holds the HCL report (NV index
   * 0x01400001, present from boot). Any TPM opens; without this check, a plain vTPM VM (swtpm, GCE,
   * an SVSM vTPM) would take this provider for its own, and the agent would pick it over {@code
   * vtpm} and fail its first gathering.
   *
   * @return {@code true} if {@link #gather} can be expected to work here
   */
  @Override
  public boolean canGather() {
    return VtpmProvider.canOpen(settings.device()) && AzureGatherer.hasHclReport(settings);
  }

  /**
   * Asks the vTPM for a fresh HCL report bound to {@link EvidenceRequest#reportData()} (written to
   * NV index 0x01400002, returned as the runtime data's user-data), reads it from 0x01400001, and
   * quotes the PCRs with {@link EvidenceRequest#nonce()} under the HCL attestation key. For TDX,
   * also fetches the TD quote from Azure's instance metadata service.
   *
   * @param request report data and nonce
   * @return the evidence
   * @throws AttestationException if the vTPM or the metadata service is missing or refuses
   */
  @Override
  public Evidence gather(EvidenceRequest request) throws AttestationException {
    return AzureGatherer.gather(platform, settings, azure, request);
  }

  @Override
  public Verdict verify(VerificationRequest request) {
    return AzureVerifier.verify(platform, request, providers);
  }
}
