CatalogSearch.add("t","gr",{"grokking":[10.396,"0_"],"grokking algorithmic":[2.118,"0_"],"grokking generalization":[2.607,"0_"]});
