package io.predictor.core.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering of DESIGN.md, enforced by a tool rather than by review. */
class ArchitectureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.predictor.core");

    @Test
    void routingIsPureAndKnowsNoNetty() {
        noClasses().that().resideInAPackage("..core.routing..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "io.micrometer..")
                .check(CORE);
    }

    @Test
    void coreNeverImportsTheControlPlane() {
        noClasses().that().resideInAPackage("io.predictor.core..")
                .should().dependOnClassesThat().resideInAPackage("io.predictor.admin..")
                .check(CORE);
    }

    @Test
    void mainCodeDoesNotPrintOrDumpStacks() {
        noClasses().should().accessField(System.class, "out")
                .orShould().accessField(System.class, "err")
                .orShould().callMethod(Throwable.class, "printStackTrace")
                .check(CORE);
    }
}
