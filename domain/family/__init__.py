"""Family members (家庭成员): people a resident may act for, with their consent or as their guardian."""
