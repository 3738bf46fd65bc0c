//! The disassembly of every example project, one snapshot each, named
//! after the example: a change to the compiler or the listing shows up as
//! a readable diff of instructions.

mod support;

use journey_runtime::disasm::disassemble;

#[test]
fn every_example_disassembles() {
    let programs = support::example_programs();

    for (name, program) in &programs {
        let listing = disassemble(program);
        for journey in &program.journeys {
            let heading = format!("journey {}\n", journey.code.name);
            assert!(listing.contains(&heading), "{name}: no {heading}");
        }
        insta::assert_snapshot!(name.as_str(), listing);
    }
}
