package dev.reliability;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rules the compiler cannot check: who may touch real time, and which way package dependencies go. */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.reliability");
    private static final JavaClasses ALL = new ClassFileImporter().importPackages("dev.reliability");

    @Test
    void onlyTheSystemTimeSourceTouchesRealTime() {
        noClasses()
                .that()
                .doNotHaveFullyQualifiedName(SystemTimeSource.class.getName())
                .should()
                .callMethod(System.class, "nanoTime")
                .orShould()
                .callMethod(System.class, "currentTimeMillis")
                .orShould()
                .callMethodWhere(target("java.time.Instant", "now"))
                .orShould()
                .callMethodWhere(target("java.lang.Thread", "sleep"))
                .because("time must be injectable: use TimeSource, and ManualTimeSource in tests")
                .check(ALL);
    }

    private static DescribedPredicate<com.tngtech.archunit.core.domain.JavaMethodCall> target(
            String owner, String name) {
        return DescribedPredicate.describe(
                owner + "." + name,
                call -> call.getTargetOwner().getName().equals(owner)
                        && call.getTarget().getName().equals(name));
    }

    @Test
    void packageDependenciesGoOneWay() {
        rule(
                "dev.reliability.internal..",
                "dev.reliability",
                "..backoff..",
                "..state..",
                "..retry..",
                "..circuitbreaker..",
                "..registry..");
        noClasses()
                .that()
                .resideInAPackage("dev.reliability")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("..backoff..", "..state..", "..retry..", "..circuitbreaker..", "..registry..")
                .check(MAIN);
        rule("..backoff..", "..state..", "..retry..", "..circuitbreaker..", "..registry..");
        rule("..state..", "..backoff..", "..retry..", "..circuitbreaker..", "..registry..");
        rule("..retry..", "..circuitbreaker..", "..registry..");
        rule("..circuitbreaker..", "..retry..", "..registry..");
    }

    private static void rule(String from, String... forbidden) {
        noClasses()
                .that()
                .resideInAPackage(from)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(forbidden)
                .allowEmptyShould(true)
                .check(MAIN);
    }

    @Test
    void internalTypesNeverAppearInPublicSignatures() {
        DescribedPredicate<JavaClass> internal = DescribedPredicate.describe(
                "internal", type -> type.getPackageName().endsWith(".internal"));
        DescribedPredicate<List<JavaClass>> anyInternal = DescribedPredicate.describe(
                "an internal type", types -> types.stream().anyMatch(internal));
        noMethods()
                .that()
                .arePublic()
                .and()
                .areDeclaredInClassesThat()
                .resideOutsideOfPackage("..internal..")
                .and()
                .areDeclaredInClassesThat()
                .arePublic() // a package-private class's public methods (interface implementations) are no API
                .should()
                .haveRawReturnType(internal)
                .orShould()
                .haveRawParameterTypes(anyInternal)
                .check(MAIN);
    }

    @Test
    void libraryCodeNeverPrintsToTheConsole() {
        noClasses()
                .should()
                .accessField(System.class, "out")
                .orShould()
                .accessField(System.class, "err")
                .because("core logs through System.Logger and publishes business events to listeners")
                .check(MAIN);
    }

    @Test
    void theRuleSeesTheSystemTimeSource() {
        // Guards the time rule against silently matching nothing if the class were renamed.
        org.assertj.core.api.Assertions.assertThat(MAIN.contain(SystemTimeSource.class))
                .isTrue();
    }
}
