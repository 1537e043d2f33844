#![no_main]
use keydesk_uhid::event::KernelEvent;
libfuzzer_sys::fuzz_target!(|data: &[u8]| drop(KernelEvent::decode(data)));
