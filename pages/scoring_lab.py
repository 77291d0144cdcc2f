"""Scoring lab: edit a copy of the published model, back-test it on history, publish or restore."""

import time
from typing import Any, Final

import streamlit as st

import ui
from lib import actions
from lib.errors import AccessDenied, ModelError, VersionConflict
from lib.evaluate.backtest import backtest
from lib.features.attributes import missing_attributes_text
from lib.model import ScoringModel, model_diff, with_attribute_rule, without_attribute_rule
from lib.model.merge import rebased
from lib.model.segments import segment_labels
from lib.present import charts
from lib.present import lab_attributes as attrs
from lib.present import scoring_lab as lab_view
from lib.present.text import literal
from lib.scoring import score_arrays
from lib.store.state import state as workspace_state

ctx = ui.sidebar()
model = ctx.model
st.title("Scoring lab")
state = st.session_state
# widgets keep their values when the person leaves the page and comes back (persist_state);
# the edited copy itself lives in session state, apart from any widget
KEEP: Final = "session"


def load_widgets() -> None:
    """Show the edited copy's numbers for the chosen segment (after a switch or a reset)."""
    state.update(lab_view.widget_values(state["lab_model"], state["lab_segment"]))


def reset() -> None:
    state["lab_model"] = model
    state.pop("lab_rebased", None)
    clear_rule_form()  # a rule being edited may not be in the published model
    load_widgets()


state.setdefault("lab_segment", model.segments[0].name)
start = state.get("lab_start")
if start is None or lab_view.base_of(start) != lab_view.base_of(model):
    # first visit, or another version was published (here, elsewhere, by the CLI): start from
    # it, carrying over any unsaved edits
    if start is not None and model_diff(start, state["lab_model"]):
        state["lab_model"], conflicts = rebased(start, state["lab_model"], model)
        state["lab_rebased"] = lab_view.rebase_notice(model, start, conflicts)
    else:
        state["lab_model"] = model
    state["lab_start"] = model
    load_widgets()
if "lab_rebased" in state:
    st.warning(literal(state["lab_rebased"]), icon=":material/sync_problem:")
for key, value in lab_view.widget_values(state["lab_model"], state["lab_segment"]).items():
    state.setdefault(key, value)


def backtest_results(history: ui.History, edited: ScoringModel) -> tuple[Any, Any, Any]:
    """Draw the back-test of the edited model on history; return the Attributes, Publish and
    History tabs."""
    baseline = ui.history_baseline(ctx.conn, ctx.data_version, model)
    matrix = ui.lab_matrix(ctx.conn, ctx.data_version, model, edited)  # with the draft's attributes
    started = time.perf_counter()
    bt = backtest(matrix, history.outcomes, model, edited, baseline=baseline)
    after = score_arrays(matrix, edited)
    st.caption(
        lab_view.timing_caption(len(history.frame), time.perf_counter() - started)
        + " Edited model against the published one, every lead as it was when routed."
    )
    for row in range(2):
        for column, card in zip(
            st.columns(3), lab_view.metric_cards(bt)[row * 3 : row * 3 + 3], strict=True
        ):
            column.metric(
                card.label,
                card.value,
                card.delta,
                delta_color=card.delta_color,
                delta_arrow="auto" if card.delta_color == "normal" else "off",  # no ↑ for +0
            )
            column.caption(card.caption)
    st.caption(literal("Leads changing stage: " + lab_view.transitions_in_words(bt)))
    bands, mix, changed, attributes_tab, publish, versions_tab = st.tabs(
        [
            "Score bands",
            "Qualified mix",
            "Leads that change stage",
            "Attributes",
            "Publish",
            "History",
        ],
        key="lab_tab",
        on_change="rerun",  # the Attributes tab is drawn only while open (its `.open`)
    )
    bands.plotly_chart(
        charts.backtest_bands_chart(lab_view.bands_with_intervals(bt, edited)), theme="streamlit"
    )
    with mix:
        st.caption("Published model → edited model.")
        ui.table(lab_view.mix_in_words(bt, edited))
    shown = lab_view.changed_within(bt, history.frame, ctx.filters)
    with changed:
        st.caption(literal(lab_view.changed_caption(len(shown), bt)))
        ui.table(lab_view.changed_in_words(shown, history.frame, baseline, after, edited))
    return attributes_tab, publish, versions_tab


def rule_editor(catalog: Any) -> None:
    """Draw the draft's attribute rules (edit, remove) and the form that adds or edits one."""
    kinds = dict(zip(catalog["name"], catalog["kind"], strict=True))
    editing = state.get("lab_rule_editing")
    for at, rule in enumerate(state["lab_model"].attribute_rules):
        st.markdown(literal(attrs.rule_in_words(rule)))
        edit, remove = st.columns(2)
        edit.button(
            "Edit",
            key=f"lab_rule_edit_{at}",
            on_click=start_editing,
            args=(at,),
            icon=":material/edit:",
        )
        remove.button(
            "Remove",
            key=f"lab_rule_remove_{at}",
            on_click=remove_rule,
            args=(at,),
            icon=":material/delete:",
        )
    names = list(kinds)
    if editing is not None:  # a rule on an attribute the data lacks can still be edited
        names += [n for n in [state[attrs.RULE_KEYS["attribute"]]] if n not in kinds]
    if not names:
        st.caption("No lead attributes are kept in this data: see the Attributes tab.")
        return
    keys = attrs.RULE_KEYS
    for field, value in attrs.FORM_DEFAULTS.items():
        state.setdefault(keys[field], list(value) if isinstance(value, list) else value)
    if state.get(keys["attribute"]) not in names:
        state[keys["attribute"]] = names[0]
    attribute = st.selectbox(
        "Attribute", names, key=keys["attribute"], format_func=attrs.attribute_words
    )
    kind = kinds.get(attribute, "category")
    conditions = attrs.CONDITIONS[kind]
    if state.get(keys["condition"]) not in conditions:
        state[keys["condition"]] = conditions[0]
    condition = st.selectbox(
        "Condition",
        conditions,
        key=keys["condition"],
        format_func=attrs.CONDITION_WORDS.__getitem__,
    )
    if condition == "blank":
        st.radio("Match leads whose value", attrs.BLANK_WORDS, key=keys["blank"], horizontal=True)
    elif condition == "range":
        low, high = st.columns(2)
        low.number_input("At least", value=None, key=keys["low"])
        high.number_input("Below", value=None, key=keys["high"])
    elif condition == "any_of":
        seen = attrs.observed_values(ui.attribute_values(ctx.conn, ctx.data_version, attribute))
        chosen = [v for v in state.get(keys["levels"], []) if v not in seen]
        st.multiselect("Values", chosen + seen, key=keys["levels"])
    elif condition == "equals" and kind == "boolean":
        st.radio("Value", attrs.FLAG_WORDS, key=keys["flag"], horizontal=True)
    elif condition == "equals" and kind == "number":
        st.number_input("Number", value=None, key=keys["number"])
    else:
        st.text_input("Text (case and surrounding spaces ignored)", key=keys["text"])
    points = float(state[keys["points"]])  # a rule from a file may hold more than ±50
    st.slider("Points", min(-50.0, points), max(50.0, points), step=1.0, key=keys["points"])
    st.radio(
        "Points go to",
        list(attrs.SCORE_WORDS),
        key=keys["score"],
        format_func=attrs.SCORE_WORDS.__getitem__,
    )
    st.text_input("Label in explanations (optional)", key=keys["label"])
    if editing is None:
        st.button("Add rule", key="lab_rule_add", on_click=save_rule, args=(kind,))
    else:
        save, cancel = st.columns(2)
        save.button("Save rule", key="lab_rule_save", on_click=save_rule, args=(kind,))
        cancel.button("Cancel", key="lab_rule_cancel", on_click=clear_rule_form)
    if "lab_rule_error" in state:
        st.error(literal(f"Not applied: {state.pop('lab_rule_error')}"))


def clear_rule_form() -> None:
    state.pop("lab_rule_editing", None)
    for field, value in attrs.FORM_DEFAULTS.items():
        state[attrs.RULE_KEYS[field]] = list(value) if isinstance(value, list) else value


def start_editing(at: int) -> None:
    state["lab_rule_editing"] = at
    form = attrs.rule_form(state["lab_model"].attribute_rules[at])
    state.update({attrs.RULE_KEYS[field]: value for field, value in form.items()})


def save_rule(kind: str) -> None:
    form = {f: state.get(k, attrs.FORM_DEFAULTS.get(f)) for f, k in attrs.RULE_KEYS.items()}
    try:
        rule = attrs.attribute_rule(form, kind)
        edited = with_attribute_rule(state["lab_model"], rule, state.get("lab_rule_editing"))
    except ModelError as exc:
        state["lab_rule_error"] = str(exc)
        return
    state["lab_model"] = edited
    clear_rule_form()


def remove_rule(at: int) -> None:
    state["lab_model"] = without_attribute_rule(state["lab_model"], at)
    if state.get("lab_rule_editing") is not None:  # indices moved: start the form afresh
        clear_rule_form()


def attributes_part(catalog: Any) -> None:
    """Draw every kept lead attribute against the outcome, and one attribute's levels."""
    if catalog.empty:
        st.info(attrs.NO_ATTRIBUTES, icon=":material/info:")
        return
    profile = ui.attribute_profile(ctx.conn, ctx.data_version, model)
    st.caption(literal(attrs.profile_caption(profile)))
    ui.table(attrs.attributes_in_words(profile))
    name = st.selectbox(
        "Attribute to look into",
        list(catalog["name"]),
        key="lab_attribute_view",
        persist_state=KEEP,
        format_func=attrs.attribute_words,
    )
    rows = attrs.level_chart_rows(profile, name)
    if rows.empty:
        st.caption("No lead has a value of this attribute.")
        return
    rate = attrs.OUTCOME_WORDS[profile.outcome][0] if profile.outcome else None
    st.plotly_chart(
        charts.attribute_levels_chart(
            rows, attrs.attribute_words(name), rate, attrs.overall_rate(profile)
        ),
        theme="streamlit",
    )
    ui.table(attrs.levels_in_words(profile, name))


controls, results = st.columns([1, 2], gap="large")
with controls:
    labels = segment_labels(model.segments)
    segment = st.selectbox(
        "Segment to edit",
        list(model.policies),
        key="lab_segment",
        format_func=lambda name: labels.get(name, name),
        on_change=load_widgets,
        persist_state=KEEP,
    )
    st.markdown("**Pillar weights**")
    for pillar, key in lab_view.WEIGHT_KEYS.items():
        st.slider(pillar.capitalize(), 0.0, 1.0, step=0.01, key=key, persist_state=KEEP)
    st.slider("MQL threshold", 0.0, 100.0, step=1.0, key=lab_view.MQL, persist_state=KEEP)
    st.slider("SQL threshold", 0.0, 100.0, step=1.0, key=lab_view.SQL, persist_state=KEEP)
    with st.expander("Behaviour points per event (each type keeps its cap)"):
        for activity in state["lab_model"].activity_points():
            st.slider(
                lab_view.activity_words(activity),
                -50.0,
                50.0,
                step=0.5,
                key=lab_view.points_key(activity),
                persist_state=KEEP,
            )
    with st.expander("Grade points"):
        for field, key in lab_view.GRADE_KEYS.items():
            st.slider(
                lab_view.GRADE_WORDS[field], -50.0, 50.0, step=1.0, key=key, persist_state=KEEP
            )
    catalog = ui.kept_attributes(ctx.conn, ctx.data_version)
    # drawn only while open (a rerun on open): its list and form cost every slider move; the
    # label stays put (a new label would close it), the Publish tab lists the rules changed
    editor = st.expander("Attribute rules", key="lab_rules", on_change="rerun")
    if editor.open:
        with editor:
            rule_editor(catalog)
    st.slider(
        "Decay half-life (days)", 1.0, 180.0, step=1.0, key=lab_view.HALF_LIFE, persist_state=KEEP
    )
    st.button("Reset to published", key="lab_reset", on_click=reset)
    values = {key: state[key] for key in lab_view.widget_values(model, segment)}
    try:
        state["lab_model"] = lab_view.edited_model(state["lab_model"], segment, values)
    except ModelError as exc:
        st.error(literal(f"Not applied: {exc}"))
    edited = state["lab_model"]
    weights = edited.policies[segment].pillar_weights
    st.caption(
        "Weights are renormalised to sum to 1: "
        + ", ".join(f"{p} {getattr(weights, p):.0%}" for p in lab_view.WEIGHT_KEYS)
    )

with results:
    unheld = missing_attributes_text(edited, catalog["name"])
    if unheld:
        st.warning(literal(unheld), icon=":material/warning:")
    history = ui.history(ctx.conn, ctx.data_version, model)
    for warning in history.warnings:  # a feature file measured with another model's window
        st.warning(literal(warning))
    if history.frame.empty:
        st.info(literal(lab_view.NO_HISTORY))
        attributes_tab, publish, versions_tab = st.tabs(
            ["Attributes", "Publish", "History"], key="lab_tab_no_history", on_change="rerun"
        )
    else:
        attributes_tab, publish, versions_tab = backtest_results(history, edited)

if attributes_tab.open:  # drawn on every slider move otherwise: a chart and two tables
    with attributes_tab:
        attributes_part(catalog)

with publish:
    diff = lab_view.diff_in_words(model_diff(model, edited), edited)
    st.markdown(
        "\n".join(f"- {literal(line)}" for line in diff) or "No change from the published model."
    )
    may_publish = ui.may(ctx.actor, "publish_model")
    if not may_publish:
        ui.not_offered(ctx.actor, "publish_model")
    elif ctx.actor.signed_in:  # the identity is recorded; the name stays a note, filled in
        state.setdefault("lab_author", ctx.actor.display_name or ctx.actor.name)
    if may_publish:
        author = st.text_input("Your name", key="lab_author")
        note = st.text_input("Why (recorded with the version)", key="lab_note")
        if st.button(
            f"Publish as version {model.version + 1}",
            key="lab_publish",
            type="primary",
            disabled=not (diff and author),
        ):
            try:
                stored = actions.publish_model(
                    ctx.actor,
                    ui.workspace(),
                    edited,
                    author,
                    note,
                    based_on=state["lab_start"].version,
                )
            except (VersionConflict, AccessDenied) as exc:  # published elsewhere, or expired
                st.error(literal(exc))
            else:
                ui.saw_model_version(stored.version)
                state["lab_notice"] = f"Published version {stored.version}."
                for key in ("lab_note", "lab_author", "lab_rebased"):  # belonged to that version
                    state.pop(key, None)
                st.rerun()

with versions_tab:
    published_versions = ui.model_versions()
    with workspace_state(ui.workspace()) as stored_versions:
        entries = lab_view.version_changes(stored_versions, published_versions)
    if not may_publish:
        ui.not_offered(ctx.actor, "publish_model")
    elif ctx.actor.signed_in:
        state.setdefault("lab_restorer", ctx.actor.display_name or ctx.actor.name)
    restorer = (
        st.text_input("Your name (recorded with a restore)", key="lab_restorer")
        if may_publish
        else ""
    )
    for entry in entries:
        with st.expander(literal(entry.title), expanded=entry is entries[0]):
            st.markdown("\n".join(f"- {literal(line)}" for line in entry.changes) or "No change.")
            if may_publish and st.button(
                f"Restore {entry.name}",
                key=f"lab_restore_{entry.version}",
                disabled=entry.version == model.version or not restorer,
            ):
                try:
                    restored = actions.restore_model(
                        ctx.actor, ui.workspace(), entry.version, restorer, based_on=model.version
                    )
                except (VersionConflict, AccessDenied) as exc:
                    st.error(literal(exc))
                else:
                    ui.saw_model_version(restored.version)
                    state["lab_notice"] = f"Restored {entry.name} as the newest version."
                    st.rerun()
if "lab_notice" in state:
    st.toast(literal(state.pop("lab_notice")))
