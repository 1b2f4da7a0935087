CatalogSearch.add("t","pr",{"preetum":[3.507,"2_"],"pruned":[1.072,"3_"],"pruning":[3.206,"3_"],"pruning sparse":[2.118,"3_"]});
