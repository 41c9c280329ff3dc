package ai.cocos.agent.internal.grpc;

import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.plugin.PluginInfo;
import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.atls.AtlsBinding;
import ai.cocos.atls.AtlsCertificates;
import ai.cocos.atls.AtlsServerKeyManager;
import ai.cocos.atls.EvidenceSource;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Makes the agent's attested-TLS identity for a computation whose manifest says {@code
 * attested_tls: true}: a key pair generated here, in memory (never written, never sent), and an
 * {@link AtlsServerKeyManager} that answers each handshake with a certificate carrying evidence
 * from the TEE provider, bound to the client's nonce, that key and the manifest's digest.
 *
 * <p>The provider is the first of {@link #PREFERENCE} installed that can gather here; the emulated
 * provider only when no real one can (its evidence says so, and only a policy allowing emulation
 * accepts it). With none, or if a first gathering fails, the computation cannot be served: fail
 * closed, naming what is installed. The provider is looked up again at each handshake (providers
 * come and go); gone, the handshake fails.
 */
final class AttestedTls {
  /** Real platforms first, in order of preference; then emulation. */
  static final List<String> PREFERENCE =
      List.of(
          TeeProvider.SEV_SNP,
          TeeProvider.TDX,
          AttestationCall.AZURE_SNP_VTPM,
          AttestationCall.AZURE_TDX_VTPM,
          TeeProvider.VTPM,
          TeeProvider.EMULATED);

  private static final System.Logger LOG = System.getLogger(AttestedTls.class.getName());

  private final PluginRegistry plugins;
  private final Clock clock;

  /**
   * Creates the factory.
   *
   * @param plugins where the TEE providers are
   * @param clock dates the certificates
   */
  AttestedTls(PluginRegistry plugins, Clock clock) {
    this.plugins = Objects.requireNonNull(plugins, "plugins");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A factory that finds no provider: attested TLS always fails closed. */
  static AttestedTls none() {
    return new AttestedTls(NO_PLUGINS, Clock.systemUTC());
  }

  /**
   * The identity for a computation: a new key pair and its key manager, after one gathering has
   * shown the provider works.
   *
   * @param manifest the computation's manifest
   * @param digest the manifest's digest as the agent measured it (what the evidence binds)
   * @return the key manager
   * @throws AttestationException naming why no evidence can be gathered here
   */
  AtlsServerKeyManager keyManager(Manifest manifest, Sha3Hash digest) throws AttestationException {
    String platform = platform();
    EvidenceSource source =
        request -> {
          TeeProvider p =
              plugins
                  .teeProvider(platform)
                  .orElseThrow(
                      () ->
                          new AttestationException(
                              "the " + platform + " TEE provider is no longer installed"));
          return p.gather(request);
        };
    // One gathering now, so that a provider that cannot deliver fails the computation at once
    // rather than every client's handshake later.
    byte[] probe = AtlsBinding.newNonce();
    Evidence e = source.gather(new EvidenceRequest(new byte[64], probe));
    if (!platform.equals(e.platform())) {
      throw new AttestationException(
          "the " + platform + " provider gathered " + e.platform() + " evidence");
    }
    AtlsServerKeyManager km =
        new AtlsServerKeyManager(AtlsCertificates.newKeyPair(), digest, source, clock);
    if (TeeProvider.EMULATED.equals(platform)) {
      LOG.log(
          Level.WARNING,
          "computation {0}: attested TLS with the EMULATED TEE provider (emulated, not a real"
              + " TEE): only clients whose policy allows emulation will connect",
          manifest.id());
    } else {
      LOG.log(
          Level.INFO, "computation {0}: attested TLS with {1} evidence", manifest.id(), platform);
    }
    return km;
  }

  /** The platform attested TLS uses here. */
  String platform() throws AttestationException {
    for (String p : PREFERENCE) {
      Optional<TeeProvider> provider = plugins.teeProvider(p);
      if (provider.isPresent() && provider.get().canGather()) {
        return p;
      }
    }
    TreeSet<String> installed = new TreeSet<>();
    for (TeeProvider p : plugins.teeProviders()) {
      installed.add(p.platform() + (p.canGather() ? "" : " (cannot gather here)"));
    }
    throw new AttestationException(
        "attested TLS needs a TEE provider that can gather evidence on this machine; installed: "
            + (installed.isEmpty() ? "none" : String.join(", ", installed))
            + ". Run the agent in a confidential VM (SEV-SNP, TDX, vTPM), or install the emulated"
            + " provider for tests (clients must then allow emulation explicitly)");
  }

  private static final PluginRegistry NO_PLUGINS =
      new PluginRegistry() {
        @Override
        public List<PluginInfo> plugins() {
          return List.of();
        }

        @Override
        public WorkloadRunner runner(String type) throws RunnerUnavailableException {
          throw new RunnerUnavailableException("runner '" + type + "' is not installed");
        }

        @Override
        public Optional<TeeProvider> teeProvider(String platform) {
          return Optional.empty();
        }

        @Override
        public List<TeeProvider> teeProviders() {
          return List.of();
        }
      };
}
