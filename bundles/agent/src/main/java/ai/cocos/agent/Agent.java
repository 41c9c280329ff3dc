package ai.cocos.agent;

import ai.cocos.api.computation.Manifest;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The agent: runs one computation at a time. Offered as an OSGi service by the agent bundle; the
 * transports (the gRPC {@code AgentService}, the computation-management client) drive it.
 */
@ProviderType
public interface Agent {
  /**
   * Starts a computation from an accepted manifest (already parsed, validated and, where the agent
   * requires it, signature-checked by the caller).
   *
   * @param manifest the manifest
   * @return the computation, in {@link State#ReceivingAlgorithm}
   * @throws AgentException {@link AgentException.Kind#BUSY} ({@code computation already running})
   *     while the previous computation is not {@link ComputationService#finished() finished},
   *     {@link AgentException.Kind#REJECTED} if a key in the manifest cannot be used, {@link
   *     AgentException.Kind#INTERNAL} if its work folder cannot be made
   */
  ComputationService start(Manifest manifest) throws AgentException;

  /**
   * The latest computation, finished or not (so that late requests get a precise answer).
   *
   * @return the computation, or empty before the first one
   */
  Optional<ComputationService> current();

  /**
   * The state the agent reports for a computation id (CocosAI's {@code AgentStateReq}).
   *
   * @return the latest computation's state, or {@link State#ReceivingManifest} if there is none or
   *     it is finished (the agent then waits for a manifest)
   */
  State state();

  /**
   * Subscribes to the events and logs of every computation, including the ones a computation emits
   * while it is being started.
   *
   * @param listener the listener
   * @return the subscription, to close
   */
  AgentListener.Subscription subscribe(AgentListener listener);
}
