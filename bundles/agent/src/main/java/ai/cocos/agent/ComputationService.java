package ai.cocos.agent;

import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.Sha3Hash;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One computation, from its accepted manifest to the wiping of its results. Obtained from {@link
 * Agent#start}. All methods are thread-safe.
 *
 * <h2>Life</h2>
 *
 * It starts in {@link State#ReceivingAlgorithm}. The algorithm, then every dataset, is uploaded;
 * when the last one is accepted the run starts ({@link State#Running}) with the runner for the
 * manifest's algorithm type. A successful run's {@code results/} folder becomes a deterministic zip
 * ({@link State#ConsumingResults}); the first consumer to fetch it moves the computation to {@link
 * State#Complete}. When every consumer has fetched it, or the results' time-to-live expires,
 * everything is wiped and a {@code Wiped} event says so. A failed run goes to {@link State#Failed}
 * and is wiped at once. {@link #stop()} ends everything at any time.
 */
@ProviderType
public interface ComputationService {
  /**
   * The computation's id.
   *
   * @return the manifest's id
   */
  String id();

  /**
   * The manifest this computation follows.
   *
   * @return the manifest
   */
  Manifest manifest();

  /**
   * The manifest's digest, which every v1 signature names.
   *
   * @return SHA3-256 of the manifest's canonical form
   */
  Sha3Hash manifestDigest();

  /**
   * The current state.
   *
   * @return the state
   */
  State state();

  /**
   * Why the computation failed, if it did.
   *
   * @return the reason, or empty
   */
  Optional<String> failureReason();

  /**
   * Whether the computation is over: wiped after its results were served or expired, failed, or
   * stopped. The agent accepts a new manifest only then.
   *
   * @return {@code true} once finished
   */
  boolean finished();

  /**
   * Checks a request's signature for an operation (see {@code docs/upload-authorization.md}).
   *
   * @param operation what the request wants to do; for a data upload the file name it names
   * @param metadata the request's metadata (gRPC headers), keys in lower case, each with its values
   *     in order; see {@link AuthzHeaders} for the keys
   * @return the authorisation, to pass to one {@code begin…} or {@link #openResult} call
   * @throws AuthorizationException naming why the signature was refused
   * @throws AgentException {@link AgentException.Kind#UNDECLARED} if a participant of this
   *     computation names a dataset the manifest does not declare, {@link
   *     AgentException.Kind#OVERLOADED} if too many signed requests arrive within the skew window
   */
  Authorization authorize(Operation operation, Map<String, List<String>> metadata)
      throws AgentException;

  /**
   * Starts the algorithm's upload. The algorithm's type and arguments come from the manifest; a
   * client that also sends them (CocosAI's {@code algo_type} and {@code algo_args} metadata) must
   * send the manifest's.
   *
   * @param authorization an {@link Operation#algo()} authorisation of this computation
   * @param clientType the type the client sent, if any
   * @param clientArgs the arguments the client sent, if any
   * @return the upload
   * @throws AgentException {@link AgentException.Kind#WRONG_STATE} unless in {@link
   *     State#ReceivingAlgorithm}, {@link AgentException.Kind#REJECTED} if the client's type or
   *     arguments differ from the manifest's, {@link AgentException.Kind#PERMISSION_DENIED} for an
   *     authorisation of another operation or already used
   */
  AlgorithmUpload beginAlgorithm(
      Authorization authorization, Optional<String> clientType, Optional<List<String>> clientArgs)
      throws AgentException;

  /**
   * Starts a dataset's upload.
   *
   * @param authorization a {@code data:<filename>} authorisation of this computation
   * @param filename the file name the upload names (CocosAI's {@code DataRequest.filename})
   * @param decompress whether the client asked to extract the uploaded zip (CocosAI's {@code
   *     decompress} metadata); the dataset is extracted if either this or the manifest says so
   * @return the upload
   * @throws AgentException {@link AgentException.Kind#WRONG_STATE} unless in {@link
   *     State#ReceivingData}, {@link AgentException.Kind#UNDECLARED}, {@link
   *     AgentException.Kind#ALREADY_RECEIVED}, {@link AgentException.Kind#PERMISSION_DENIED} for an
   *     authorisation of another operation or already used
   */
  Upload beginDataset(Authorization authorization, String filename, boolean decompress)
      throws AgentException;

  /**
   * Opens the results zip for a consumer.
   *
   * @param authorization a {@link Operation#result()} authorisation of this computation
   * @return the download
   * @throws AgentException {@link AgentException.Kind#RESULTS_NOT_READY} before the run succeeded,
   *     {@link AgentException.Kind#RUN_FAILED} with the run's failure reason, {@link
   *     AgentException.Kind#WIPED} once wiped, {@link AgentException.Kind#PERMISSION_DENIED} for an
   *     authorisation of another operation or already used
   */
  ResultDownload openResult(Authorization authorization) throws AgentException;

  /**
   * The consumers who have fetched the results to the end.
   *
   * @return their indexes in the manifest (every index of a key that fetched)
   */
  Set<Integer> consumersServed();

  /**
   * Subscribes to this computation's events and logs, from now on.
   *
   * @param listener the listener
   * @return the subscription, to close
   */
  AgentListener.Subscription subscribe(AgentListener listener);

  /**
   * Stops the computation: aborts uploads, stops the workload, revokes downloads, wipes every file
   * and emits {@code Stopped}. Returns once wiped. Idempotent.
   */
  void stop();
}
