/**
 * Helpers for CocosAI's wire protocol that every gRPC party of Cocos shares (manager, agent, CLI):
 * formats the protocol carries as text, and the manifest as a run request.
 */
@Version("1.0.0")
package ai.cocos.transport.grpc;

import org.osgi.annotation.versioning.Version;
