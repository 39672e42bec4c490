package io.predictor.core.http;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of {@link HeadParser#parseRequest} on arbitrary bytes (Jazzer). In
 * {@code mvn verify} it runs once per seed in {@code RequestHeadFuzzTestInputs/request/} (the
 * hostile corpus and ordinary requests); with {@code JAZZER_FUZZ=1} ({@code scripts/fuzz}) Jazzer
 * mutates them for as long as {@code -Djazzer.max_duration} allows. Properties: no exception; the
 * answer agrees with an independent oracle (414 / 431 / need more / a complete head); an accepted
 * head's offsets stay inside it and its accessors work; a second parser accepts the head alone
 * with the same length; the bytes fed in pieces give the same answer as fed at once; every
 * buffer is released and nothing kept a reference to it.
 */
class RequestHeadFuzzTest {

    @FuzzTest(maxDuration = "30s")
    @DictionaryFile(resourcePath = "RequestHeadFuzzTest.dict")
    void request(byte[] input) {
        HttpHead[] head = new HttpHead[1];
        HeadChecks.Outcome whole = HeadChecks.parseWhole(input, true, head);
        HeadChecks.checkAgainstOracle(input, whole, true);
        if (whole.result() > 0) {
            HeadChecks.checkHead(input, whole.skipped(), whole.result(), head[0], true);
            HeadChecks.checkReparse(input, whole.skipped(), whole.result(), true);
        }
        HeadChecks.checkPieces(input, whole, true, 1);
        if (input.length <= 4096) {
            HeadChecks.checkPieces(input, whole, true, 2);
        }
    }
}
