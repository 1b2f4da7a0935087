CatalogSearch.add("t","ge",{"generalization":[3.283,"0n1I4_"],"generalization beyond":[2.607,"0_"]});
