"""A new network's first steps (`first_steps`): the Activity screen's checklist, each step
read from the real state of the network (its businesses, their devices, the shop and its
gateway, the bank file settings, its cards), never from a flag someone ticks.

Imports from services: core, settlement, shop.
"""
