//! A small RFC 4180 CSV reader (quoted fields with commas, line breaks and doubled quotes),
//! bounded in rows. Malformed quoting is an error, not a guess.

pub(crate) fn parse(text: &str, max_rows: usize) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut field_started_quoted = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !field_started_quoted => {
                in_quotes = true;
                field_started_quoted = true;
            }
            '"' => return Err(format!("a quote inside an unquoted field on row {}", rows.len() + 1)),
            ',' => {
                row.push(std::mem::take(&mut field));
                field_started_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                field_started_quoted = false;
                if !(row.len() == 1 && row[0].is_empty()) {
                    rows.push(std::mem::take(&mut row));
                } else {
                    row.clear();
                }
                if rows.len() > max_rows {
                    return Err(format!("more than {max_rows} rows"));
                }
            }
            _ if field_started_quoted => return Err(format!("text after a closing quote on row {}", rows.len() + 1)),
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err("a quoted field is not closed".into());
    }
    if !field.is_empty() || !row.is_empty() || field_started_quoted {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn rfc4180_quoting() {
        let rows = parse("a,b,c\r\n\"x, y\",\"he said \"\"hi\"\"\",\"multi\nline\"\n\n1,,3", 10).unwrap();
        assert_eq!(rows, vec![vec!["a", "b", "c"], vec!["x, y", "he said \"hi\"", "multi\nline"], vec!["1", "", "3"]]);
        assert!(parse("\"open", 10).is_err());
        assert!(parse("a\"b", 10).is_err());
        assert!(parse("\"a\"b", 10).is_err());
        assert!(parse("1\n2\n3\n", 2).is_err());
    }
}
