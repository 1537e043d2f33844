//! An empty Tauri 2 window whose page reports its first paint, as KeyDesk's does.

mod commands {
    /// The page painted: print the marker the benchmark waits for.
    #[tauri::command]
    pub fn ready() {
        println!("keydesk-bench: first-paint");
    }
}

fn main() {
    if let Err(error) = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![commands::ready])
        .run(tauri::generate_context!())
    {
        eprintln!("{error}");
        std::process::exit(1);
    }
}
