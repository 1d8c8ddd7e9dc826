"""Widgets of the duty desk."""

from dutydesk.tui.widgets._case_detail import CaseDetailView, DetailPane
from dutydesk.tui.widgets._case_table import CaseTable
from dutydesk.tui.widgets._checklist import Checklist
from dutydesk.tui.widgets._footer import DeskFooter
from dutydesk.tui.widgets._paged_list import PageSource, PagedList
from dutydesk.tui.widgets._paged_table import Column, PagedTable
from dutydesk.tui.widgets._picker import Picker
from dutydesk.tui.widgets._text_input import TextInput
from dutydesk.tui.widgets._title_bar import TitleBar

__all__ = ["CaseDetailView", "DetailPane", "CaseTable", "Checklist", "DeskFooter", "Column",
           "PagedList", "PagedTable", "PageSource", "Picker", "TextInput", "TitleBar"]
