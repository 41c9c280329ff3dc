package ai.cocos.tee.vtpm.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.tee.vtpm.AzureVtpmProvider;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Registers the {@code azure-tdx-vtpm} provider. The TDX provider it delegates the hardware report
 * to is a dynamic, optional reference: the component stays up without it (verdicts then fail naming
 * the missing provider) and picks it up when it arrives.
 */
@Component(
    service = TeeProvider.class,
    property = TeeProvider.PLATFORM_PROPERTY + "=" + AzureVtpmProvider.AZURE_TDX_VTPM)
@Designate(ocd = AzureTdxVtpmConfig.class)
public final class AzureTdxVtpmComponent implements TeeProvider {
  private final HardwareProviders hardware = new HardwareProviders();
  private final AzureVtpmProvider provider;

  /**
   * Activates with the configuration.
   *
   * @param config the configuration
   * @throws IllegalArgumentException naming an invalid property
   */
  @Activate
  public AzureTdxVtpmComponent(AzureTdxVtpmConfig config) {
    this.provider =
        new AzureVtpmProvider(
            AzureVtpmProvider.AZURE_TDX_VTPM,
            Settings.vtpm(
                config.device(),
                config.eventLog(),
                "rsa",
                config.akHandle(),
                "0",
                new String[] {"sha256"}),
            Settings.azure(
                config.refreshWaitMillis(), config.tdQuoteUrl(), config.requestTimeoutMillis()),
            hardware);
  }

  /**
   * A TDX provider arrived.
   *
   * @param p the provider
   * @param properties its service properties
   */
  @Reference(
      service = TeeProvider.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY,
      target = "(" + TeeProvider.PLATFORM_PROPERTY + "=tdx)")
  void bindHardware(TeeProvider p, Map<String, Object> properties) {
    hardware.bind(p, properties);
  }

  void unbindHardware(TeeProvider p, Map<String, Object> properties) {
    hardware.unbind(p, properties);
  }

  @Override
  public String platform() {
    return provider.platform();
  }

  @Override
  public boolean canGather() {
    return provider.canGather();
  }

  @Override
  public Evidence gather(EvidenceRequest request) throws AttestationException {
    return provider.gather(request);
  }

  @Override
  public Verdict verify(VerificationRequest request) {
    return provider.verify(request);
  }
}
