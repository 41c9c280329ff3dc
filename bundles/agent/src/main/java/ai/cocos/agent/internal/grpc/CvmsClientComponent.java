package ai.cocos.agent.internal.grpc;

import ai.cocos.agent.Agent;
import ai.cocos.agent.internal.AgentRuntime;
import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestParser;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The agent's computation-management client as a Declarative Services component (PID {@value #PID},
 * {@link CvmsClientConfig}): a {@link CvmsClient} that starts the computations the service
 * requests, and the {@link TlsSwitch} that serves the agent's endpoint ({@code
 * ai.cocos.transport.grpc~agent}) with each computation's TLS through ConfigurationAdmin, attested
 * TLS with the installed TEE providers' evidence ({@link AttestedTls}).
 *
 * <p>The client is off when the {@code url} is {@code off}, or when the environment variable {@code
 * AGENT_CVM_GRPC_URL} is set but empty (the assembly's configuration files cannot carry an empty
 * value: unset and empty would both give the default). Deactivation closes the stream and returns
 * the endpoint to plaintext, deleting the TLS files.
 */
@Component(
    service = {},
    immediate = true,
    configurationPid = CvmsClientComponent.PID)
@Designate(ocd = CvmsClientConfig.class)
public final class CvmsClientComponent {
  /** The configuration PID. */
  public static final String PID = "ai.cocos.agent.cvms";

  /** The environment variable whose explicitly empty value turns the client off. */
  static final String URL_VARIABLE = "AGENT_CVM_GRPC_URL";

  private static final System.Logger LOG = System.getLogger(CvmsClientComponent.class.getName());

  private final TlsSwitch tls;
  private final CvmsClient client;

  /**
   * Activates the client.
   *
   * @param config the configuration
   * @param context the agent bundle's context (framework properties, service events)
   * @param agent the agent
   * @param configAdmin holds the endpoint's configuration
   * @param plugins the TEE providers attested TLS gathers evidence with
   * @throws IllegalArgumentException naming a setting or file that is wrong
   * @throws IOException if the owner key cannot be read
   */
  @Activate
  public CvmsClientComponent(
      CvmsClientConfig config,
      BundleContext context,
      @Reference Agent agent,
      @Reference ConfigurationAdmin configAdmin,
      @Reference(name = "plugins") PluginRegistry plugins)
      throws IOException {
    Path folder = TlsSwitch.folder(AgentRuntime.workDir(config.workDir()));
    tls =
        new TlsSwitch(
            folder,
            new ConfigAdminEndpoint(
                configAdmin,
                context,
                AgentGrpcService.ENDPOINT,
                folder,
                Duration.ofSeconds(Math.max(1, config.tlsSwitchTimeoutSeconds()))),
            new AttestedTls(plugins, Clock.systemUTC()));
    String url = config.url().trim();
    if (url.isEmpty() || url.equalsIgnoreCase("off") || explicitlyEmpty(context, URL_VARIABLE)) {
      LOG.log(
          Level.INFO,
          "computation management client is off ({0} is empty): the agent waits for no manifest",
          URL_VARIABLE);
      client = null;
      return;
    }
    Optional<PublicKey> owner = ownerKey(config.manifestOwnerKeyFile());
    RunPolicy policy =
        new RunPolicy(
            new ManifestParser(
                ManifestParser.DEFAULT_ALGORITHM_TYPES,
                (int)
                    Math.min(
                        Integer.MAX_VALUE - 1,
                        Math.max(
                            ManifestParser.DEFAULT_MAX_BYTES, 2L * config.maxRunRequestBytes()))),
            owner,
            config.allowPlaintext());
    CvmsClient.Settings settings =
        new CvmsClient.Settings(
            url,
            config.cvmId(),
            CvmsCredentials.of(
                config.serverCaFile(), config.clientCertFile(), config.clientKeyFile()),
            config.maxRunRequestBytes(),
            Duration.ofSeconds(Math.max(1, config.chunkTimeoutSeconds())),
            config.queueCapacity(),
            Duration.ofMillis(config.reconnectMinMillis()),
            Duration.ofMillis(config.reconnectMaxMillis()));
    if (config.serverCaFile().isBlank() && config.clientCertFile().isBlank()) {
      LOG.log(
          Level.WARNING,
          "the connection to the computation management service {0} is not encrypted: run"
              + " requests, including the agent''s TLS key, travel in clear; set"
              + " AGENT_CVM_GRPC_SERVER_CA_CERTS",
          url);
    }
    client = new CvmsClient(settings, agent, policy, tls);
    client.start();
    LOG.log(
        Level.INFO,
        "computation management client dials {0} (job-id {1}){2}{3}",
        url,
        config.cvmId(),
        owner.map(k -> "; manifests must be signed by " + PemKeys.fingerprint(k)).orElse(""),
        config.allowPlaintext() ? "; plaintext computations ALLOWED" : "");
  }

  /** Closes the stream, returns the endpoint to plaintext and deletes the TLS files. */
  @Deactivate
  void deactivate() {
    if (client != null) {
      client.close();
    }
    tls.close();
    if (client != null && client.dialled()) {
      CvmsClient.awaitSharedThreads();
    }
  }

  private static boolean explicitlyEmpty(BundleContext context, String variable) {
    String value = context == null ? null : context.getProperty("cocos.env." + variable);
    if (value == null) {
      value = System.getenv(variable);
    }
    return value != null && value.isBlank();
  }

  private static Optional<PublicKey> ownerKey(String file) throws IOException {
    if (file.isBlank()) {
      return Optional.empty();
    }
    Path path = Path.of(file.trim());
    try {
      PublicKey key = PemKeys.parsePublicKey(Files.readString(path, StandardCharsets.US_ASCII));
      PemKeys.checkAccepted(key);
      return Optional.of(key);
    } catch (KeyFormatException e) {
      throw new IllegalArgumentException(
          "AGENT_MANIFEST_OWNER_KEY " + path + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IOException("AGENT_MANIFEST_OWNER_KEY " + path + " cannot be read: " + e, e);
    }
  }
}
