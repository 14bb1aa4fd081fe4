//! Engine throughput: the whole simulation (generation, epochs, merges) of the bundled quickstart plan at
//! 25k and 100k devices, parameterised by fleet size with throughput in devices.
//!
//! `cargo bench --bench engine` (add `-- --quick` for a short run).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use cofleet::engine::{simulate, with_threads};
use cofleet::model::Model;
use cofleet::scenario;

fn model_with(devices: u32) -> Model {
    let text =
        std::fs::read_to_string("scenarios/quickstart.toml").expect("run from the crate root");
    let text = text.replace("devices = 20_000", &format!("devices = {devices}"));
    Model::new(scenario::parse(&text, "quickstart.toml").expect("quickstart is valid"))
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate_21d_quickstart_plan");
    group.sample_size(10);
    for devices in [25_000u32, 100_000] {
        let model = model_with(devices);
        group.throughput(Throughput::Elements(u64::from(devices)));
        for threads in [1usize, 2] {
            group.bench_with_input(
                BenchmarkId::new(format!("threads_{threads}"), devices),
                &model,
                |b, model| b.iter(|| with_threads(threads, || simulate(model, &|_| {}))),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
