"""A hypothesis state machine: random actors take random actions on random cases. The services
never reach a state the table does not allow, refusals change nothing, and the event log holds
exactly one event per successful use-case."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, initialize, invariant, rule,
)

from dutydesk.clock import SimulatedClock
from dutydesk.domain.lifecycle import Action, CaseState, transition_for
from dutydesk.errors import DutyDeskError
from dutydesk.config.reading import read_configuration
from dutydesk.scenario.demo import seed_dir
from dutydesk.services.cases import create_case, perform
from dutydesk.services.context import Desk
from dutydesk.services.setup import install_configuration
from dutydesk.store.engine import Database
from tests.conftest import T0
from tests.services.helpers import case_row, event_count, sample_inputs, standard_draft

LOGINS = ["liuyang", "zhaolei", "huangxia", "zhoujp", "wangbo", "lihua", "admin"]


@cache
def _template() -> Path:
    folder = tempfile.mkdtemp(prefix="dutydesk-sm-")
    atexit.register(shutil.rmtree, folder, True)  # the cached template goes with the process
    path = Path(folder) / "configured.db"
    db = Database.open(path, create=True)
    install_configuration(db, SimulatedClock(T0), read_configuration(seed_dir(), demo=True))
    db.dispose()
    return path


class Workflow(RuleBasedStateMachine):
    cases = Bundle("cases")

    @initialize()
    def open_desk(self):
        self.clock = SimulatedClock(T0)
        self.desk = Desk(self.opened(), self.clock)
        self.expected_events = event_count(self.desk)
        self.states: dict[int, CaseState] = {}

    def opened(self) -> Database:
        """A configured desk with no cases: a copy of the template file."""
        self.folder = Path(tempfile.mkdtemp(prefix="dutydesk-run-"))
        shutil.copyfile(_template(), self.folder / "desk.db")
        return Database.open(self.folder / "desk.db")

    def teardown(self):
        if hasattr(self, "folder"):
            self.desk.db.dispose()
            shutil.rmtree(self.folder, ignore_errors=True)

    @rule(target=cases, node=st.sampled_from(["CJW-01", "CJW-02", "JSZL-01"]))
    def report(self, node):
        case_id = create_case(self.desk, self.desk.actor("liuyang"),
                              standard_draft(node_code=node))
        self.states[case_id] = CaseState.NEW
        self.expected_events += 1
        return case_id

    @rule(case_id=cases, action=st.sampled_from(list(Action)), login=st.sampled_from(LOGINS),
          other=cases, minutes=st.integers(0, 3000))
    def act(self, case_id, action, login, other, minutes):
        from datetime import timedelta

        self.clock.advance(timedelta(minutes=minutes))
        transition = transition_for(action)
        before = case_row(self.desk, case_id)
        inputs = sample_inputs(transition, self.desk, case_id, merge_into=other)
        if login in ("liuyang", "zhaolei"):
            inputs.on_behalf_of = "值班室"  # every unit and community has one
        try:
            perform(self.desk, self.desk.actor(login), case_id, action, inputs)
        except DutyDeskError:
            after = case_row(self.desk, case_id)
            assert (after.state, after.version) == (before.state, before.version)
            return
        source = CaseState(before.state)
        assert source in transition.sources, f"{action} allowed from {source}"
        assert self.desk.actor(login).role in transition.roles or transition.on_behalf_roles
        self.states[case_id] = transition.target or source
        self.expected_events += 1

    @invariant()
    def states_match_the_table_and_the_log(self):
        if not hasattr(self, "desk"):
            return
        for case_id, state in self.states.items():
            assert case_row(self.desk, case_id).state == state.value
        assert event_count(self.desk) == self.expected_events


TestWorkflow = Workflow.TestCase
TestWorkflow.settings = settings(
    max_examples=20, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.postgresql
def test_the_workflow_holds_on_postgresql(pg_configured, pg_opened):
    """The same machine on PostgreSQL: the worker's database restored for each run."""
    from hypothesis.stateful import run_state_machine_as_test

    from tests import postgres

    class OnPostgres(Workflow):
        def opened(self) -> Database:
            postgres.restore(pg_configured)
            return pg_opened

    run_state_machine_as_test(OnPostgres, settings=settings(
        max_examples=5, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
