// The SQL console's editor: CodeMirror 6 over the console's <textarea>, which stays the
// form's field (and the whole editor when JavaScript is off). Completion comes from the
// sandbox's tables, sent by the page in the textarea's data-schema; an error the server
// reported with a position ("Line: 1, Column: 8") or a name is marked in the text.
//
// ../sql-console.js loads it when the planner first touches the textarea; the editor takes
// the textarea's text and caret, and the focus. Bundled by `npm run build` (package.json) into ../vendor/sql-editor.min.js.

import { EditorState, Prec } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, drawSelection, highlightActiveLine,
  highlightSpecialChars, placeholder,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput,
} from "@codemirror/language";
import {
  autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap,
} from "@codemirror/autocomplete";
import { setDiagnostics } from "@codemirror/lint";
import { sql, PostgreSQL } from "@codemirror/lang-sql";

// Column names without their table, as planners type them ("SELECT shop_" offers shop_id):
// lang-sql completes a column only after "table.". Columns of the tables the query names
// (FROM, JOIN) come first; each says which tables have it.
function columnCompletion(schema) {
  const tablesOf = new Map();
  for (const [table, columns] of Object.entries(schema)) {
    for (const column of columns) {
      if (!tablesOf.has(column)) tablesOf.set(column, []);
      tablesOf.get(column).push(table);
    }
  }
  return (context) => {
    const word = context.matchBefore(/\w+/);
    if (!word && !context.explicit) return null;
    const from = word ? word.from : context.pos;
    if (context.state.sliceDoc(from - 1, from) === ".") return null;
    const named = new Set();
    const text = context.state.doc.toString();
    for (const m of text.matchAll(/\b(?:from|join)\s+"?(\w+)/gi)) named.add(m[1].toLowerCase());
    const options = [];
    for (const [column, tables] of tablesOf) {
      options.push({
        label: column, type: "property", detail: tables.join(", "),
        boost: tables.some((t) => named.has(t)) ? 2 : 0,
      });
    }
    return { from, options, validFor: /^\w*$/ };
  };
}

function schemaOf(textarea) {
  try {
    return JSON.parse(textarea.getAttribute("data-schema") || "{}");
  } catch (e) {
    return {};
  }
}

// Where the server's message says the error is: [from, to] in the text, or null.
export function errorRange(message, text) {
  const lines = text.split("\n");
  const at = /Line: (\d+), Column: (\d+)/.exec(message);
  if (at) {
    const line = Number(at[1]), column = Number(at[2]);
    if (line >= 1 && line <= lines.length) {
      let from = column - 1;
      for (let i = 0; i < line - 1; i++) from += lines[i].length + 1;
      from = Math.min(Math.max(from, 0), text.length);
      const word = /^[\w.$"]+/.exec(text.slice(from));
      return [from, Math.min(text.length, from + (word ? word[0].length : 1))];
    }
  }
  // "No field named shop_idd", "table 'x' not found", "Invalid function 'sume'".
  const named =
    /No field named "?([\w.]+?)"?[.\s]/.exec(message + " ") ||
    /table '([^']+)' not found/i.exec(message) ||
    /function '([^']+)'/i.exec(message);
  if (named) {
    const name = named[1].split(".").pop();
    const found = new RegExp("\\b" + name.replace(/[^\w]/g, "") + "\\b", "i").exec(text);
    if (found) return [found.index, found.index + found[0].length];
  }
  return null;
}

function enhance(textarea) {
  const form = textarea.form;
  const run = () => {
    textarea.value = view.state.doc.toString();
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
    return true;
  };
  const label = document.querySelector('label[for="' + textarea.id + '"]');
  const schema = schemaOf(textarea);
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        Prec.highest(keymap.of([{ key: "Mod-Enter", run }])),
        lineNumbers(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        autocompletion({ activateOnTyping: true }),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([
          ...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap,
          ...completionKeymap, indentWithTab,
        ]),
        sql({ dialect: PostgreSQL, schema, upperCaseKeywords: true }),
        PostgreSQL.language.data.of({ autocomplete: columnCompletion(schema) }),
        placeholder(textarea.getAttribute("placeholder") || ""),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({
          "aria-label": label ? label.textContent : "SQL",
          spellcheck: "false", autocapitalize: "off", autocorrect: "off",
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
        }),
      ],
    }),
  });
  const focused = document.activeElement === textarea;
  const caret = Math.min(textarea.selectionEnd || 0, textarea.value.length);
  textarea.parentNode.insertBefore(view.dom, textarea.nextSibling);
  textarea.hidden = true;
  if (focused) {
    view.dispatch({ selection: { anchor: caret } });
    view.focus();
  }
  form.addEventListener("submit", () => { textarea.value = view.state.doc.toString(); });
  if (label) label.addEventListener("click", () => view.focus());

  const shown = document.querySelector(".sql .error[role=alert]");
  if (shown) {
    const text = view.state.doc.toString();
    const range = errorRange(shown.textContent, text);
    if (range) {
      view.dispatch(setDiagnostics(view.state, [
        { from: range[0], to: range[1], severity: "error", message: shown.textContent },
      ]));
    }
  }
  textarea.yanhuoEditor = view;
  return view;
}

const textarea = document.getElementById("q");
if (textarea && textarea.form) enhance(textarea);
