/**
 * Implementation details of {@code ai.cocos.crypto}: the ZIP format's records, a writer for the
 * deterministic layout and a reader of central directories. Not exported; no compatibility
 * promises.
 */
package ai.cocos.crypto.internal;
